import type { ResolvedDefineRequest } from '../../../shared/contract/api/libvirt';
import type { DomainOptions, DomainPlanRequest } from '../../../shared/contract/models/libvirt';
import type { JobSpec } from '../core/jobs';
import { createDefineStage } from './define-stage';
import type { DefineStageOutput } from './define-stage';

/** The equivalent command line, stored in the job record so that any run can be replayed. */
export function defineCli(request: ResolvedDefineRequest): string[] {
  const options: DomainOptions = request.plan.options ?? {};
  const network = options.network;
  return [
    'hyper2kvm',
    'define',
    ...request.plan.disks.map((d) => d.path),
    ...(options.name ? ['--name', options.name] : []),
    ...(options.memoryMiB ? ['--memory', String(options.memoryMiB)] : []),
    ...(options.vcpus ? ['--vcpus', String(options.vcpus)] : []),
    ...(options.firmware ? ['--firmware', options.firmware] : []),
    ...(network?.type === 'network' ? ['--network', network.name] : network?.type === 'bridge' ? ['--bridge', network.name] : network?.type === 'none' ? ['--no-network'] : []),
    ...(options.connection ? ['--connect', options.connection] : []),
    ...(request.onCollision === 'rename' ? ['--rename'] : []),
    ...(request.placement ? ['--placement', request.placement] : []),
  ];
}

/** Defining a domain as a job (kind 'define'): the disks may be moved or copied, which takes time. */
export function defineJob(request: ResolvedDefineRequest): JobSpec<DefineStageOutput> {
  const stage = createDefineStage();
  const plan: DomainPlanRequest = request.plan;
  const name = plan.options?.name ?? plan.vm.name ?? plan.disks[0]!.path;
  return {
    kind: 'define',
    title: `Define the VM ${name}`,
    stages: [{ id: stage.id, label: stage.label }],
    request,
    cli: defineCli(request),
    async run(job) {
      return job.runStage(stage, {
        plan,
        onCollision: request.onCollision,
        ...(request.placement ? { placement: request.placement } : {}),
        ...(request.imagesDir ? { imagesDir: request.imagesDir } : {}),
      });
    },
  };
}
