import type { Logger } from 'pino';
import type { InspectorRelay } from '../inspect/inspector.js';

/**
 * The operator's process-level hooks for `fusebox start`: the Stately inspector relay
 * (imported only when asked for, so it neither loads nor keeps the process alive otherwise)
 * and SIGHUP as a config reload.
 */
export async function startInspectorIfAsked(port: number | null, logger: Logger): Promise<InspectorRelay | null | string> {
  if (port === null) return null;
  const { startInspector } = await import('../inspect/inspector.js');
  try {
    return await startInspector({ port, logger });
  } catch (error) {
    return (error as Error).message;
  }
}

/** SIGHUP re-reads the config, as POST /admin/reload does. Returns the remover. */
export function reloadOnSighup(reload: () => Promise<unknown>, logger: Logger): () => void {
  const onHup = () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading the config');
    reload().catch((error: unknown) => {
      logger.error({ err: error }, 'config reload failed; nothing was changed');
    });
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}
