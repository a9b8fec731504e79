/**
 * What the rest of fusebox may know of the cluster (src/cluster implements it): whether this
 * instance reaches the shared store, for /healthz, /metrics and the status page. Nothing here
 * names the store; its address is shown without its password.
 */
export interface ClusterView {
  readonly instanceId: string;
  /** The store's address, without its password. */
  readonly address: string;
  connected(): boolean;
  /** Shared changes made while the store was away, not yet written back. */
  unpublished(): number;
}

/** The cluster part of /healthz and the admin API: absent when no cluster is configured. */
export function clusterHealth(view: ClusterView | undefined): { cluster?: { connected: boolean; instance: string; unpublished: number } } {
  return view ? { cluster: { connected: view.connected(), instance: view.instanceId, unpublished: view.unpublished() } } : {};
}
