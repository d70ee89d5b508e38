/**
 * Binary samples made with the real tools, gzip + base64 so they fit in a test file:
 *  - ETC_TAR: GNU tar -cf of a small /etc (a symlinked unit, default.target, a 120-character name).
 *  - INITRD: cpio -o -H newc of an early microcode folder, then a gzip-compressed main archive.
 *  - GPT_HEAD: the first 17 KiB of a disk partitioned by sfdisk (ESP named "EFI system" + Linux root).
 *  - MBR_DEBIAN: sector 0 of the Debian test guest (GRUB boot code, signature DK2H, one bootable 0x83).
 */
import { gunzipSync } from 'node:zlib';

const unpack = (b64: string): Buffer => gunzipSync(Buffer.from(b64, 'base64'));

export const ETC_TAR = unpack('H4sICNM9B2sCA2V0Yy50YXIA7ZjdToMwGIY59ip6A9J/emTigScmO90FdFs3yRgktDi9e+v0ZMSJiaPD+T4nJYWEL314vwI5zUaHRYzWhzHSHw/HXBZMmIKpw7wxzGREZwnofLAtIVnbNOG764bO/1Fy6l99cLsVnZB/zqWB/8T+P0Y6Cf/CCAn/F/G/cmvbVSGPq7Jx4Xz+Y6B/7F8oI6N/Qaty0a9vF4srbzvv2vOUCP8D65vvbR08TZp/ozRH/ifl3/unPE4+l0s3fv5NofSJ/P+iDvj/yn/twr5pt9N6/3sfkP8k/nN6P2vqzaystyP6L5Q66V8wefQsRP/aFBmZwX/C/NsLkYEr9z+Uf8b0cf+XQon4/c+Q/9GpYuu/QQyQf1rWwbVru3Q+9f7PeP/9Tyqpkf8U2C40pGrQAv5t/tcxAItR7zGYf9nb/zkz2P/TMJ8/PtzZxZJQ4l6CIp+/fz1hhKMpAAAAAAAAcF28AeEYXQMAKAAA');
export const INITRD = unpack('H4sICNM9B2sCA2luaXRyZC5pbWcAMzA3MDcwNDAwMjS1dDUyAAITQ1cXA+zA2MzJwNzYxcUYVdjN1QA/MIIx9BgMkOxzM6SRfeYwRnZqUV5qDgMQINnraEAre51Q7dWvsDBDt9uQkN1G5NltaIppt35uZnJRfnJ+SiqKG5wMLUDqLAwdTXAZhuYGI+LcYGSGzw367ql5pZl5qZ55Jak5ekmZeQwVXAh3EQWIVYczXkKCHD19XIMUFRUZRgEYyHdzgGkm5reTznYdMhBx2/xN9xfTybP+0rHbljUZaBfaB7xVMtnqbNX148spj6Wci7e1nsna56unWOBnp+cxwYFRoje40pqR5azoH7l5KQo7g+7sjXv6wWqNtEGTXP45po8u5jLR3RMOx7Qknav2SSp5WFgs2eZ98PGkXTflfW9W/QldUH/5Ced8lRlJL6xTDjBbrpjOt0Tr7UKTE6WC+TFHTMTF+AsVq1f7L821Xf6jV3j2iym9hUqtmWWiRd/VF788P+lyiE0sy/Ve3uLH3R/znix5uz3Pjjv44SrHFfMqbdUaq2L6ivZG/7LVY/66Qm1HqWvd2y9rPWr27YjlO3WhvE7OeufdJa/7a4RdBX+dn/+ca33CpcUMwNAAAO+FbA8TBQAA');
export const GPT_HEAD = unpack('H4sIAAAAAAACA+3Sv0tCURTA8aNLDpH4B0jyIIiIFqcIE8GnqBARSoOhNCiEhKE2OBRBTg3u1uLskJuDm4vg2tRUS7OOOXW99p6CY04p38/l/r6cM5wrglXmlKFSyqFX1vg3qZYZiflOQ2dJEYdc6JPC6LMxvZnFmkd1WdOHvd9KBN373uzJ08um9yAYTzvt9w92v8/0LqnO/7db3uttj9883YQ0B8eDI49mGH5/OJz6Nau72lj8XaZEJCY+KUtV94rk5Hqp/O1A3/1YK0Xr1cDVe/Tu67zwetveMdPP+cMf4ybUEZeVV30v5i9JUbcKBQQAAAAAAAAAAAAAAAAAAAAAAAAAAAAArIUJg4F8DgBEAAA=');
export const MBR_DEBIAN = unpack('H4sIAAAAAAACA3udPIGBRqCBEcr4/2vChG+HGkpYvx0qKGHa1PCqsoaBwfBA342+C3sYFH4vSKmx+V/C1HEoaF9D7Qtxxn2sNVscd68KPSscFVRk2/g7dFWpefNDxhIjwwOdLiwOHS7/O12YjrMIMKR1y8XUpHXGcAAZCSAGz3EXNoaCLU5nhYtYdzMUvC7bwnFWuJg3quUSf/MNhn3dtS+bGNL4tx3rSPnvkAY0i3/bxYOPmDpedHxx6HTh4N926MALprROlrSFQNM4D5T6pS0Emm94Ke27ScdFEFXCYu3CUWv+72DHUYMDB18wcRzsuBDVcQxoVd9hw9s7GJmAFsv1HE6Q28nA2Hfb8Nt+hoa+Y38+L5VP/K8WVbOvrfY1876ptS9MGPbNqn2hx3BW4vU/96BQJwUG99T8XAaPxKIUBZfM4myGoNTEFAYF16Ki/CJeLobdjAxb+M4KrLFhKP1yGBa4Lt5GHsAgVlBkaJ4f0c7AART6EU9yFIWuAgB7Uq2EAAIAAA==');
