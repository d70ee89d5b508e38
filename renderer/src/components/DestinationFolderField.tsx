import { Button, FormGroup, FormHelperText, HelperText, HelperTextItem, InputGroup, InputGroupItem, TextInput } from '@patternfly/react-core';

export interface DestinationFolderFieldProps {
  id: string;
  value: string;
  /** What is wrong with the folder, or null. */
  problem: string | null;
  /** Shown under the field while there is no problem. */
  hint: string;
  onChange: (value: string) => void;
  /** Opens the engine-side folder browser. */
  onBrowse: () => void;
  testId: string;
  browseTestId: string;
}

/** Where outputs go: a path typed in or picked with the engine's file browser, the same in every wizard. */
export function DestinationFolderField({ id, value, problem, hint, onChange, onBrowse, testId, browseTestId }: DestinationFolderFieldProps) {
  return (
    <FormGroup label="Destination folder" fieldId={id} isRequired>
      <InputGroup>
        <InputGroupItem isFill>
          <TextInput id={id} value={value} onChange={(_e, v) => onChange(v)} validated={problem ? 'error' : 'default'} data-testid={testId} />
        </InputGroupItem>
        <InputGroupItem>
          <Button variant="control" onClick={onBrowse} data-testid={browseTestId}>
            Browse…
          </Button>
        </InputGroupItem>
      </InputGroup>
      <FormHelperText>
        <HelperText>
          <HelperTextItem variant={problem ? 'error' : 'default'}>{problem ?? hint}</HelperTextItem>
        </HelperText>
      </FormHelperText>
    </FormGroup>
  );
}
