import { convertCommand } from './convert';
import { planCommand } from './plan';
import { serveCommand } from './serve';
import type { Command } from './types';

/** Every command of `hyper2kvm`, in the order `--help` lists them. Feature areas add theirs here. */
export const COMMANDS: Command[] = [planCommand, convertCommand, serveCommand];
