/** `T` while it is being built: a result object filled in member by member, then handed out as `T`. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
