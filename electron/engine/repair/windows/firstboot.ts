import type { FirstBootAction } from '../../../../shared/contract/models/repair';
import { FIRSTBOOT_ACTIONS, FIRSTBOOT_RUNNER, windowsPath } from '../../guest/windows/firstboot-paths';
import type { FileEdit } from '../draft';
import type { RegEdit } from './registry-edit';
import { dword, setValue, sz } from './registry-edit';
import type { WindowsGuest } from './guest-view';

/**
 * First-boot actions: what cannot be done offline (pnputil, msiexec, the new adapter's IP
 * configuration) runs once, as SYSTEM, at the guest's first boot on KVM, before anyone logs on.
 *
 * The mechanism is Windows' own setup hook: HKLM\SYSTEM\Setup\CmdLine with SetupType = 2.
 * Winlogon reads it at every boot; while SetupType is not 0 it runs CmdLine as SYSTEM and waits
 * for it before showing the logon screen (Windows setup runs its final steps the same way, and
 * Microsoft's KB 939857 describes it for setup scripts). It needs nothing installed and nothing
 * shipped: a registry value and a batch file, on every Windows from Vista/2008 to 11/2025.
 * Rejected:
 *  - a service wrapper (virt-v2v's rhsrvany/pvvxsvc): a binary we would have to build and ship
 *    for Windows (cmd.exe is not a service: the service manager kills it after 30 s);
 *  - RunOnce: runs only when an administrator logs on, and then as that user;
 *  - a scheduled task written offline: the task cache (TaskCache\Tasks, Tree, Boot) is an
 *    undocumented binary format that changes between releases;
 *  - a Group Policy startup script: domain policy can replace local policy, and its processing
 *    can be turned off by policy.
 * The runner gives the Setup values back (SetupType 0, CmdLine empty) when it ends, so it runs
 * once; each action leaves a marker, so an action that ran is never run twice even if the
 * machine loses power half-way. Everything goes to a log the inspection reads afterwards.
 * Because winlogon waits for the runner, every action is bounded (pnputil and msiexec run with
 * a time limit) and none can ask a question.
 */

/** How each script is written: CRLF, ASCII (cmd.exe reads batch files in the OEM code page). */
export function windowsText(lines: readonly string[]): string {
  const text = `${lines.join('\r\n')}\r\n`;
  if (/[^\t\n\r\x20-\x7e]/.test(text)) throw new Error('a first-boot script must be ASCII');
  return text;
}

/** The command line winlogon runs (the runner, started by cmd.exe; absolute: CmdLine is not expanded). */
export function runnerCommand(guest: Pick<WindowsGuest, 'drive' | 'systemRoot'>): string {
  return `${guest.systemRoot}\\System32\\cmd.exe /c ${windowsPath(guest.drive, FIRSTBOOT_RUNNER)}`;
}

export function runnerScript(): string {
  return windowsText([
    '@echo off',
    'rem hyper2kvm: first boot on KVM. Windows starts this once, as SYSTEM, before anyone can',
    'rem log on: HKLM\\SYSTEM\\Setup has SetupType 2 and CmdLine naming this file, so winlogon',
    'rem runs it and waits for it. Each script in actions\\ runs once, in name order; what it',
    'rem prints and its exit code go to firstboot.log. At the end the Setup values are given',
    'rem back to Windows (SetupType 0, CmdLine empty), so this does not run again.',
    'setlocal EnableExtensions',
    'set "H2K=%~dp0"',
    'set "LOG=%~dp0firstboot.log"',
    'if not exist "%H2K%done" mkdir "%H2K%done"',
    '>>"%LOG%" echo [%DATE% %TIME%] hyper2kvm first boot: start on %COMPUTERNAME%',
    'for %%A in ("%H2K%actions\\*") do call :run "%%~fA" "%%~nA" "%%~xA"',
    '"%SystemRoot%\\System32\\reg.exe" add "HKLM\\SYSTEM\\Setup" /v SetupType /t REG_DWORD /d 0 /f >nul',
    '"%SystemRoot%\\System32\\reg.exe" add "HKLM\\SYSTEM\\Setup" /v CmdLine /t REG_SZ /d "" /f >nul',
    '>>"%LOG%" echo [%DATE% %TIME%] hyper2kvm first boot: done',
    'exit /b 0',
    '',
    ':run',
    'if exist "%H2K%done\\%~2" (',
    '  >>"%LOG%" echo [%DATE% %TIME%] %~2: ran before, skipped',
    '  goto :eof',
    ')',
    '>>"%LOG%" echo [%DATE% %TIME%] %~2: start',
    'if /i "%~3"==".ps1" (',
    '  "%SystemRoot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "%~1" >>"%LOG%" 2>&1',
    ') else (',
    '  call "%~1" >>"%LOG%" 2>&1',
    ')',
    'set "RC=%ERRORLEVEL%"',
    '>>"%LOG%" echo [%DATE% %TIME%] %~2: exit code %RC%',
    '>"%H2K%done\\%~2" echo %RC%',
    'goto :eof',
  ]);
}

/** The runner and the Setup values that start it: what every fix with a first-boot action needs. */
export function firstBootScheduling(guest: Pick<WindowsGuest, 'drive' | 'systemRoot'>): { edits: FileEdit[]; registry: RegEdit[] } {
  return {
    edits: [{ path: FIRSTBOOT_RUNNER, kind: 'create', content: runnerScript(), mode: null }],
    registry: [setValue('SYSTEM', 'Setup', 'CmdLine', sz(runnerCommand(guest))), setValue('SYSTEM', 'Setup', 'SetupType', dword(2))],
  };
}

/** Why first-boot actions cannot be scheduled on this guest (Windows setup itself is pending), or null. */
export function firstBootBlocked(guest: Pick<WindowsGuest, 'registry' | 'drive' | 'systemRoot'>): string | null {
  const type = guest.registry.SYSTEM.number('Setup', 'SetupType');
  const cmd = guest.registry.SYSTEM.string('Setup', 'CmdLine') ?? '';
  if (!type || cmd === runnerCommand(guest)) return null;
  return `Windows setup has not finished in this guest (HKLM\\SYSTEM\\Setup: SetupType ${type}, CmdLine "${cmd}"): its own first-boot step uses the hook hyper2kvm would use. Boot it once on VMware to finish setup, then migrate again.`;
}

export interface ActionFile {
  action: FirstBootAction;
  edit: FileEdit;
}

/** An action script: `NN-<fix id>.cmd|.ps1` in the actions folder, run in name order. */
export function actionFile(guest: Pick<WindowsGuest, 'drive'>, order: number, fixId: string, language: FirstBootAction['language'], script: string): ActionFile {
  const name = `${String(order).padStart(2, '0')}-${fixId}`;
  const path = `${FIRSTBOOT_ACTIONS}/${name}.${language === 'cmd' ? 'cmd' : 'ps1'}`;
  return { action: { name, path: windowsPath(guest.drive, path), language, script }, edit: { path, kind: 'create', content: script, mode: null } };
}

/** PowerShell single-quoted string literal. */
export const psString = (text: string): string => `'${text.replace(/'/g, "''")}'`;
export const psArray = (items: readonly string[]): string => `@(${items.map(psString).join(', ')})`;

/**
 * Runs a program with a time limit (winlogon waits for the first boot: nothing may hang), its
 * output into the log. PowerShell 2.0 (Windows 7) has everything this uses. Log lines go
 * straight to stdout ([Console]::Out), so a function's return value is only what it returns.
 */
export const PS_PRELUDE = [
  '$ErrorActionPreference = \'Continue\'',
  'function Write-Log([string]$line) { [Console]::Out.WriteLine($line) }',
  'function Invoke-Bounded([string]$file, [string[]]$arguments, [int]$seconds) {',
  '  $out = [IO.Path]::GetTempFileName()',
  '  $p = Start-Process -FilePath $file -ArgumentList $arguments -NoNewWindow -PassThru -RedirectStandardOutput $out',
  '  $null = $p.Handle  # keeps the exit code readable once it has ended',
  '  if (-not $p.WaitForExit($seconds * 1000)) {',
  '    $p.Kill()',
  '    Write-Log "$file did not finish within $seconds s and was stopped"',
  '    return 1460',
  '  }',
  '  Get-Content $out | ForEach-Object { Write-Log $_ }',
  '  Remove-Item $out -ErrorAction SilentlyContinue',
  '  return $p.ExitCode',
  '}',
];
