import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Node's http server enforces `headersTimeout` and `requestTimeout` with an interval it starts
 * on 'listening' (its `setupConnectionsTracking` listener) and that runs whether or not any
 * connection is open, so an idle gateway woke every `connectionsCheckingInterval`. Here that
 * interval runs only while a connection is open: it is stopped once the server listens and
 * whenever the last connection closes, and started again, by Node's own setup function, when a
 * connection opens. The guards bite as before (a connection is checked from the moment it
 * opens); a gateway with no connection never wakes for them.
 *
 * Relies on two details of node:http: the interval's symbol and the setup listener's name.
 * Where either is missing, the interval is left running as Node runs it (`armed` stays true).
 */
export interface ConnectionCheck {
  /** Whether Node's interval is running. */
  readonly armed: boolean;
}

const INTERVAL = 'http.server.connectionsCheckingInterval';
const SETUP = 'setupConnectionsTracking';

export function checkConnectionsOnlyWhileOpen(server: Server): ConnectionCheck {
  const setup = server.listeners('listening').find((listener) => listener.name === SETUP) as (() => void) | undefined;
  let open = 0;
  let armed = true;

  const stop = () => {
    const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === INTERVAL);
    if (setup === undefined || key === undefined) return;
    clearInterval((server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key]);
    armed = false;
  };
  /** One listener for every socket, not a closure each. */
  const closed = () => {
    open--;
    if (open === 0) stop();
  };

  server.on('listening', () => {
    if (open === 0) stop();
  });
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', closed);
    if (!armed && server.listening) {
      setup!.call(server);
      armed = true;
    }
  });
  return {
    get armed() {
      return armed;
    },
  };
}
