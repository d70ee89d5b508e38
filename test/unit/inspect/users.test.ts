import { describe, expect, it } from 'vitest';
import { GuestTree } from '../../../electron/engine/appliance/guest-tree';
import { loginUsers } from '../../../electron/engine/inspect/linux/users';

function tree(files: Record<string, string>): GuestTree {
  const t = new GuestTree();
  for (const [path, text] of Object.entries(files)) t.addFile(path, Buffer.from(text));
  return t;
}

// A Debian 12 server's passwd as installed, with an admin and a locked service login added.
const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
messagebus:x:100:107::/nonexistent:/usr/sbin/nologin
sshd:x:101:65534::/run/sshd:/usr/sbin/nologin
alice:x:1000:1000:Alice Admin,,,:/home/alice:/bin/bash
deploy:x:1001:1001::/srv/deploy:/bin/sh
legacy:x:1002:1002:::/bin/false
`;
const SHADOW = `root:$y$j9T$abc$def:19700:0:99999:7:::
daemon:*:19700:0:99999:7:::
alice:$6$salt$hash:19700:0:99999:7:::
deploy:!$6$salt$hash:19700:0:99999:7:::
`;

describe('accounts that can log in, from /etc/passwd and /etc/shadow (issue 15)', () => {
  it('lists people, not services, with whether their password works, never the hash', () => {
    const users = loginUsers(tree({ '/etc/passwd': PASSWD, '/etc/shadow': SHADOW }));
    expect(users).toEqual([
      { name: 'root', uid: 0, fullName: 'root', home: '/root', shell: '/bin/bash', password: 'set' },
      { name: 'alice', uid: 1000, fullName: 'Alice Admin', home: '/home/alice', shell: '/bin/bash', password: 'set' },
      { name: 'deploy', uid: 1001, fullName: null, home: '/srv/deploy', shell: '/bin/sh', password: 'locked' },
    ]);
    expect(JSON.stringify(users)).not.toContain('$6$');
  });

  it.each([
    ['no shadow entry', { '/etc/passwd': 'ops:x:1000:1000::/home/ops:/bin/zsh\n' }, 'unknown'],
    ['an empty password field', { '/etc/passwd': 'ops:x:1000:1000::/home/ops:/bin/zsh\n', '/etc/shadow': 'ops::19700::::::\n' }, 'none'],
  ] as const)('%s', (_name, files, password) => {
    expect(loginUsers(tree(files))[0]?.password).toBe(password);
  });

  it('reads nothing from a guest without /etc/passwd, and skips NIS markers and broken lines', () => {
    expect(loginUsers(tree({}))).toEqual([]);
    expect(loginUsers(tree({ '/etc/passwd': '+::::::\nbroken line\nops:x:notanumber:1::/h:/bin/sh\n' }))).toEqual([]);
  });
});
