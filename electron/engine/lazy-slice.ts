import type { ApiHandlers, MethodName } from '../../shared/contract/api';

/**
 * A feature's slice of the contract whose implementation is imported on the first call. The
 * CLI builds one engine for every command; this keeps `convert` from loading libguestfs
 * parsers, libvirt, boot verification or the vSphere HTTP stack it never uses.
 */
export function lazySlice<M extends MethodName>(methods: readonly M[], load: () => Promise<Pick<ApiHandlers, M>>): Pick<ApiHandlers, M> {
  let loaded: Promise<Pick<ApiHandlers, M>> | undefined;
  const slice: Partial<Record<M, (params: unknown) => Promise<unknown>>> = {};
  for (const method of methods) {
    slice[method] = async (params) => {
      loaded ??= load();
      const handler = (await loaded)[method] as unknown as (p: unknown) => Promise<unknown>;
      return handler(params);
    };
  }
  return slice as unknown as Pick<ApiHandlers, M>;
}
