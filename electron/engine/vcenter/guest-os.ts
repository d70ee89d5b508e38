/**
 * Whether the offline repairs (virtio drivers, bootloader, network, fstab) know a guest, from
 * vCenter's guest id ("debian12_64Guest", "windows2019srv_64Guest", "rhel9_64Guest"...). Pure.
 * Linux distributions and Windows from 7 / Server 2008 R2 on are repaired; older Windows, the
 * BSDs, Solaris, NetWare, macOS and DOS are copied as they are but not repaired.
 */

export type GuestSupport = { level: 'supported'; family: 'linux' | 'windows' } | { level: 'unsupported'; family: string; why: string } | { level: 'unknown' };

const OLD_WINDOWS = /^(win31|win95|win98|winme|winnt|win2000|winxp|winnet|winlonghorn|winvista|dos)/i;
const LINUX = /^(rhel|centos|oracleLinux|oraclelinux|fedora|debian|ubuntu|sles|suse|opensuse|asianux|mandrake|mandriva|turbolinux|redhat|other[0-9]*xLinux|other[0-9]*Linux|genericLinux|coreos|photon|amazonlinux|almalinux|rockylinux|crxPod|vmwarePhoton|flatcar|fedora)/i;
const WINDOWS = /^(windows|win7|win8|win10|win11|winserver|windows7|windows8|windows9|windows2019|windows2022)/i;

export function guestSupport(guestId: string | undefined, guestFullName?: string): GuestSupport {
  const id = (guestId ?? '').trim();
  if (id === '' || /^other(Guest|Guest64)?$/i.test(id)) {
    // vCenter does not know; the full name sometimes does ("Debian GNU/Linux 12 (64-bit)").
    if (guestFullName && /linux/i.test(guestFullName)) return { level: 'supported', family: 'linux' };
    if (guestFullName && /windows/i.test(guestFullName) && !/(xp|2000|2003|nt|vista|98|95)\b/i.test(guestFullName)) return { level: 'supported', family: 'windows' };
    return { level: 'unknown' };
  }
  if (OLD_WINDOWS.test(id)) return { level: 'unsupported', family: 'windows', why: 'Windows before 7 / Server 2008 R2 has no virtio drivers that the repairs could install' };
  if (WINDOWS.test(id)) return { level: 'supported', family: 'windows' };
  if (LINUX.test(id)) return { level: 'supported', family: 'linux' };
  if (/^(freebsd|netbsd|openbsd)/i.test(id)) return { level: 'unsupported', family: 'bsd', why: 'the repairs handle Linux and Windows guests only' };
  if (/^solaris/i.test(id)) return { level: 'unsupported', family: 'solaris', why: 'the repairs handle Linux and Windows guests only' };
  if (/^(netware|os2|eComStation|unixWare|sco|openServer)/i.test(id)) return { level: 'unsupported', family: 'legacy', why: 'the repairs handle Linux and Windows guests only' };
  if (/^darwin/i.test(id)) return { level: 'unsupported', family: 'macos', why: 'macOS guests cannot be repaired (and rarely boot on KVM)' };
  return { level: 'unknown' };
}
