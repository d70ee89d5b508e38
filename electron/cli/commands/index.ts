import { convertCommand } from './convert';
import { inspectCommand } from './inspect';
import { migrateCommand } from './migrate';
import { defineCommand } from './define';
import { planCommand } from './plan';
import { serveCommand } from './serve';
import type { Command } from './types';
import { vcenterCommand } from './vcenter';
import { verifyBootCommand } from './verify-boot';

/** Every command of `hyper2kvm`, in the order `--help` lists them. Feature areas add theirs here. */
export const COMMANDS: Command[] = [planCommand, convertCommand, inspectCommand, defineCommand, verifyBootCommand, serveCommand, vcenterCommand, migrateCommand];
