#!/bin/bash
# deb postrm / rpm %postun, set as electron-builder's afterRemove (replacing its default, which
# the first half repeats). /etc/hyper2kvm is left alone: it is the administrator's configuration.
set -e
case "${1:-}" in
    # deb upgrade, rpm upgrade (one version still installed): the new version's files stay.
    upgrade|1) exit 0 ;;
esac

if type update-alternatives >/dev/null 2>&1; then
    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/${executable}' || true
else
    rm -f '/usr/bin/${executable}'
fi

if [ -f '/etc/apparmor.d/${executable}' ]; then
    if apparmor_status --enabled >/dev/null 2>&1 && ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
        apparmor_parser --remove '/etc/apparmor.d/${executable}' || true
    fi
    rm -f '/etc/apparmor.d/${executable}'
fi

rm -f /usr/share/polkit-1/actions/org.hyper2kvm.helper.policy
