import type { ReactNode } from 'react';
import { Checkbox, FormGroup, FormHelperText, FormSelect, FormSelectOption, HelperText, HelperTextItem, TextInput } from '@patternfly/react-core';
import type { NetworkRepairMode } from '../../../../shared/contract/models/repair';
import type { RepairDraft } from './repair-options';

export function RepairOptionsFields({ draft, onChange, idPrefix = '' }: { draft: RepairDraft; onChange: (patch: Partial<RepairDraft>) => void; idPrefix?: string }): ReactNode {
  return (
    <FormGroup fieldId={`${idPrefix}repair`} label="Repair" role="group">
      <Checkbox
        id={`${idPrefix}repair`}
        label="Repair the guest so that it boots on KVM"
        description="fstab and boot loader by UUID, virtio drivers in the initramfs, network names kept. You review every change (as diffs) before anything is written."
        isChecked={draft.repair}
        onChange={(_e, v) => onChange({ repair: v })}
        data-testid="repair-option"
      />
      {draft.repair ? (
        <>
          <FormSelect
            id={`${idPrefix}network-repair`}
            value={draft.networkRepair}
            onChange={(_e, v) => onChange({ networkRepair: v as NetworkRepairMode })}
            aria-label="How the guest keeps its network names"
            data-testid="network-repair"
          >
            <FormSelectOption value="pin-name" label="Keep the interface names (a .link file names the new NIC as before)" />
            <FormSelectOption value="rewrite-configs" label="Rewrite the network configurations for the new interface name" />
          </FormSelect>
          <Checkbox
            id={`${idPrefix}serial-console`}
            label="Add a serial console (console=ttyS0)"
            description="Lets virsh console and boot verification read the guest's boot messages."
            isChecked={draft.serialConsole}
            onChange={(_e, v) => onChange({ serialConsole: v })}
            data-testid="serial-console-option"
          />
          <TextInput
            id={`${idPrefix}virtio-win`}
            value={draft.virtioWin}
            onChange={(_e, v) => onChange({ virtioWin: v })}
            placeholder="/path/to/virtio-win.iso"
            aria-label="virtio-win driver set for Windows guests"
            data-testid="virtio-win-option"
          />
          <FormHelperText>
            <HelperText>
              <HelperTextItem>Windows guests: the virtio-win ISO or a folder with its contents. Without it, Windows boots from SATA with an e1000e NIC.</HelperTextItem>
            </HelperText>
          </FormHelperText>
        </>
      ) : null}
    </FormGroup>
  );
}
