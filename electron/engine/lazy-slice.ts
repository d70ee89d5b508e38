import type { ApiHandlers, CallContext, MethodName } from '../../shared/contract/api';

/**
 * A feature's slice of the contract whose implementation is imported on the first call. The
 * CLI builds one engine for every command; this keeps `convert` from loading libguestfs
 * parsers, libvirt, boot verification or the vSphere HTTP stack it never uses.
 */
export function lazySlice<M extends MethodName>(methods: readonly M[], load: () => Promise<Pick<ApiHandlers, M>>): Pick<ApiHandlers, M> {
  let loaded: Promise<Pick<ApiHandlers, M>> | undefined;
  const slice: Partial<Record<M, (params: unknown, context?: CallContext) => Promise<unknown>>> = {};
  for (const method of methods) {
    // The call's context (its cancellation) goes through to the loaded handler.
    slice[method] = async (params, context) => {
      loaded ??= load();
      const handler = (await loaded)[method] as unknown as (p: unknown, c?: CallContext) => Promise<unknown>;
      return handler(params, context);
    };
  }
  return slice as unknown as Pick<ApiHandlers, M>;
}
