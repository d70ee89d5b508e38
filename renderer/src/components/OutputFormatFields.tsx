import { Checkbox, FormGroup, Radio } from '@patternfly/react-core';

export type OutputFormat = 'qcow2' | 'raw';

export interface OutputFormatFieldsProps {
  /** Prefix of the fields' ids, so that two wizards can both be on the page. */
  idPrefix: string;
  format: OutputFormat;
  compress: boolean;
  onChange: (patch: { format?: OutputFormat; compress?: boolean }) => void;
}

/** The output format and compression choice, the same in every wizard that writes disks. */
export function OutputFormatFields({ idPrefix, format, compress, onChange }: OutputFormatFieldsProps) {
  const id = (name: string): string => `${idPrefix}${name}`;
  return (
    <>
      <FormGroup label="Format" role="radiogroup" fieldId={id('format')} isInline>
        <Radio id={id('format-qcow2')} name={id('format')} label="qcow2" description="Thin, snapshots, the libvirt default" isChecked={format === 'qcow2'} onChange={() => onChange({ format: 'qcow2' })} />
        <Radio id={id('format-raw')} name={id('format')} label="raw" description="Plain bytes, sparse on disk" isChecked={format === 'raw'} onChange={() => onChange({ format: 'raw' })} />
      </FormGroup>
      <FormGroup fieldId={id('compress')} label="Compression">
        <Checkbox
          id={id('compress')}
          label="Compress the output"
          description={format === 'qcow2' ? 'Smaller file, slower conversion and slower reads of compressed clusters.' : 'Only qcow2 can be compressed.'}
          isChecked={format === 'qcow2' && compress}
          isDisabled={format !== 'qcow2'}
          onChange={(_e, v) => onChange({ compress: v })}
        />
      </FormGroup>
    </>
  );
}
