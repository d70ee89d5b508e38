#!/bin/bash
# deb postinst / rpm %post, set as electron-builder's afterInstall. electron-builder fills in
# ${executable} and ${sanitizedProductName}. A custom script replaces electron-builder's default
# one, so the first half repeats what the default does (command link, chrome-sandbox mode,
# desktop databases, AppArmor profile); the second half registers the privileged helper.
# An AppImage runs no install script: it cannot register the helper, and from an AppImage the
# app converts only into folders the user can write.
set -e
APP='/opt/${sanitizedProductName}'

# --- electron-builder's defaults ---------------------------------------------------------------
if type update-alternatives >/dev/null 2>&1; then
    if [ -L '/usr/bin/${executable}' ] && [ -e '/usr/bin/${executable}' ] && [ "$(readlink '/usr/bin/${executable}')" != '/etc/alternatives/${executable}' ]; then
        rm -f '/usr/bin/${executable}'
    fi
    update-alternatives --install '/usr/bin/${executable}' '${executable}' "$APP/${executable}" 100 || ln -sf "$APP/${executable}" '/usr/bin/${executable}'
else
    ln -sf "$APP/${executable}" '/usr/bin/${executable}'
fi

# The setuid chrome-sandbox is needed only where unprivileged user namespaces do not work.
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; } 2>/dev/null; then
    chmod 4755 "$APP/chrome-sandbox" || true
else
    chmod 0755 "$APP/chrome-sandbox" || true
fi

if hash update-mime-database 2>/dev/null; then update-mime-database /usr/share/mime || true; fi
if hash update-desktop-database 2>/dev/null; then update-desktop-database /usr/share/applications || true; fi

if apparmor_status --enabled >/dev/null 2>&1 && [ -f "$APP/resources/apparmor-profile" ]; then
    if apparmor_parser --skip-kernel-load --debug "$APP/resources/apparmor-profile" >/dev/null 2>&1; then
        cp -f "$APP/resources/apparmor-profile" '/etc/apparmor.d/${executable}'
        if ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; }; then
            apparmor_parser --replace --write-cache --skip-read-cache '/etc/apparmor.d/${executable}' || true
        fi
    fi
fi

# --- the privileged helper ---------------------------------------------------------------------
# The launcher and the script run as root: only root may change them or their folder.
HELPER="$APP/resources/helper"
chown root:root "$HELPER" "$HELPER/hyper2kvm-helper" "$HELPER/helper.mjs"
chmod 0755 "$HELPER" "$HELPER/hyper2kvm-helper"
chmod 0644 "$HELPER/helper.mjs"

# pkexec finds the action (auth_admin) by the launcher's exact path, named in the policy.
install -D -m 0644 -o root -g root "$APP/resources/polkit/org.hyper2kvm.helper.policy" \
    /usr/share/polkit-1/actions/org.hyper2kvm.helper.policy

# Administrators list extra allowed folders in /etc/hyper2kvm/helper.json; the helper refuses
# that file unless only root can write it.
install -d -m 0755 -o root -g root /etc/hyper2kvm
