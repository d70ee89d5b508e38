import { batchCommand } from './batch';
import { convertCommand } from './convert';
import { inspectCommand } from './inspect';
import { migrateCommand } from './migrate';
import { defineCommand } from './define';
import { doctorCommand } from './doctor';
import { planCommand } from './plan';
import { repairCommand } from './repair';
import { serveCommand } from './serve';
import type { Command } from './types';
import { vcenterCommand } from './vcenter';
import { verifyBootCommand } from './verify-boot';

/** Every command of `hyper2kvm`, in the order `--help` lists them. Feature areas add theirs here. */
export const COMMANDS: Command[] = [planCommand, convertCommand, inspectCommand, repairCommand, defineCommand, verifyBootCommand, serveCommand, vcenterCommand, migrateCommand, doctorCommand, batchCommand];
