import { useState } from 'react';
import type { ReactNode } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  InputGroup,
  InputGroupItem,
  Label,
  List,
  ListItem,
  Spinner,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileBrowser } from '../../components/FileBrowser';
import { connectionSummary, describeLoginFailure, fingerprintLines, hasSavedPassword, loginProblems, serverProblem } from './login';
import type { CertificatePrompt } from './login';
import { dismissPrompt, forgetPassword, logInWithCaFile, logOut, startLogin, trustAndLogIn, updateLoginDraft, useVcenterStore } from './store';

function Fingerprint({ value, testId }: { value: string; testId: string }): ReactNode {
  return (
    <div className="h2k-vc-fingerprint" data-testid={testId} data-value={value}>
      {fingerprintLines(value).map((line) => (
        <div key={line}>{line}</div>
      ))}
    </div>
  );
}

/** What a person needs to decide whether to trust a server: fingerprints, names, dates. */
function CertificateFacts({ prompt }: { prompt: CertificatePrompt }): ReactNode {
  const c = prompt.certificate;
  return (
    <DescriptionList isHorizontal isCompact data-testid="cert-facts">
      <DescriptionListGroup>
        <DescriptionListTerm>SHA-256 fingerprint</DescriptionListTerm>
        <DescriptionListDescription>
          <Fingerprint value={c.sha256} testId="cert-sha256" />
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>SHA-1 thumbprint</DescriptionListTerm>
        <DescriptionListDescription>
          <Fingerprint value={c.sha1} testId="cert-sha1" />
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>Issued to</DescriptionListTerm>
        <DescriptionListDescription data-testid="cert-subject">{c.subject}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>Issued by</DescriptionListTerm>
        <DescriptionListDescription data-testid="cert-issuer">
          {c.issuer} {c.selfSigned ? <Label isCompact color="orange">self-signed</Label> : null}
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>Validity</DescriptionListTerm>
        <DescriptionListDescription data-testid="cert-validity" data-state={prompt.validity.state}>
          {prompt.validity.state === 'valid' ? prompt.validity.text : <strong>{prompt.validity.text}</strong>}
        </DescriptionListDescription>
      </DescriptionListGroup>
    </DescriptionList>
  );
}

function CaFileChoice(): ReactNode {
  const [caFile, setCaFile] = useState('');
  const [browsing, setBrowsing] = useState(false);
  return (
    <Form
      onSubmit={(e) => {
        e.preventDefault();
        if (caFile.trim()) void logInWithCaFile(caFile);
      }}
    >
      <FormGroup label="Or verify the certificate with the CA that signed it (PEM file)" fieldId="vc-ca-file">
        <InputGroup>
          <InputGroupItem isFill>
            <TextInput id="vc-ca-file" value={caFile} onChange={(_e, v) => setCaFile(v)} placeholder="/etc/ssl/vcenter-root-ca.pem" data-testid="vc-ca-file" />
          </InputGroupItem>
          <InputGroupItem>
            <Button variant="control" onClick={() => setBrowsing(true)}>
              Browse…
            </Button>
          </InputGroupItem>
          <InputGroupItem>
            <Button variant="secondary" type="submit" isDisabled={!caFile.trim()} data-testid="vc-use-ca">
              Verify with this CA and log in
            </Button>
          </InputGroupItem>
        </InputGroup>
        <FormHelperText>
          <HelperText>
            <HelperTextItem>vCenter offers its root CA at https://&lt;vcenter&gt;/certs/download.zip. Nothing is remembered: the chain is checked on every connection.</HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
      <FileBrowser
        isOpen={browsing}
        mode="source"
        title="Choose the CA certificate (PEM)"
        startPath="/etc/ssl/certs"
        onClose={() => setBrowsing(false)}
        onPick={(path) => {
          setBrowsing(false);
          setCaFile(path);
        }}
      />
    </Form>
  );
}

/**
 * First contact: the certificate, to be compared with what the vCenter administrator sees. A
 * changed certificate is a loud warning with both fingerprints, and trusting the new one takes
 * an explicit confirmation: it is also what an interception looks like.
 */
function TrustPrompt({ prompt }: { prompt: CertificatePrompt }): ReactNode {
  const [confirmedChange, setConfirmedChange] = useState(false);
  const changed = prompt.status === 'changed';
  const invalid = prompt.validity.state === 'expired' || prompt.validity.state === 'not-yet-valid';
  return (
    <div className="h2k-stack" data-testid="trust-prompt" data-status={prompt.status}>
      {changed ? (
        <Alert variant="danger" isInline title={`The certificate of ${prompt.server} has CHANGED`} data-testid="cert-changed">
          <p>
            The server presents a different certificate than the one you trusted{prompt.previous?.trustedAt ? ` on ${prompt.previous.trustedAt.slice(0, 10)}` : ''}. Nothing was sent to it. This happens when vCenter is
            reinstalled or its certificate renewed, but it is also exactly what an attacker intercepting the connection looks like.
          </p>
          {prompt.previous ? (
            <DescriptionList isHorizontal isCompact>
              <DescriptionListGroup>
                <DescriptionListTerm>Trusted before (SHA-256)</DescriptionListTerm>
                <DescriptionListDescription>
                  <Fingerprint value={prompt.previous.sha256} testId="cert-previous-sha256" />
                </DescriptionListDescription>
              </DescriptionListGroup>
              <DescriptionListGroup>
                <DescriptionListTerm>Presented now (SHA-256)</DescriptionListTerm>
                <DescriptionListDescription>
                  <Fingerprint value={prompt.certificate.sha256} testId="cert-presented-sha256" />
                </DescriptionListDescription>
              </DescriptionListGroup>
            </DescriptionList>
          ) : null}
        </Alert>
      ) : (
        <Alert variant="warning" isInline title={`First connection to ${prompt.server}: is this its certificate?`}>
          Compare the fingerprint with the one the vCenter administrator sees (vSphere Client → Administration → Certificate Management, or the appliance's management page). Trust it only if
          they match. The trust is remembered for this server.
        </Alert>
      )}
      {invalid ? (
        <Alert variant="danger" isInline title="This certificate is not valid today" data-testid="cert-invalid">
          {prompt.validity.text}. A vCenter normally renews its certificates itself; ask its administrator.
        </Alert>
      ) : null}
      <CertificateFacts prompt={prompt} />
      {changed ? (
        <Checkbox
          id="vc-confirm-change"
          label="I have confirmed the new fingerprint with the vCenter administrator"
          isChecked={confirmedChange}
          onChange={(_e, v) => setConfirmedChange(v)}
          data-testid="cert-confirm-change"
        />
      ) : null}
      <Flex>
        <Button
          variant={changed ? 'danger' : 'primary'}
          isDisabled={changed && !confirmedChange}
          onClick={() => void trustAndLogIn(prompt.certificate.sha256)}
          data-testid="trust-certificate"
        >
          {changed ? 'Trust the new certificate and log in' : 'Trust this certificate and log in'}
        </Button>
        <Button variant="link" onClick={dismissPrompt} data-testid="trust-cancel">
          Do not connect
        </Button>
      </Flex>
      <CaFileChoice />
    </div>
  );
}

function Connected(): ReactNode {
  const connection = useVcenterStore((s) => s.connection)!;
  return (
    <div className="h2k-stack" data-testid="vc-connected">
      <Alert variant="success" isInline title={`Connected to ${connection.server.display}`}>
        <p data-testid="vc-connection-summary">{connectionSummary(connection)}</p>
        {connection.passwordRemembered ? <p>The password is remembered in the system keyring.</p> : null}
      </Alert>
      <Button variant="secondary" onClick={() => void logOut()} data-testid="vc-logout">
        Log out
      </Button>
    </div>
  );
}

export function ConnectStep(): ReactNode {
  const draft = useVcenterStore((s) => s.draft);
  const saved = useVcenterStore((s) => s.saved);
  const login = useVcenterStore((s) => s.login);
  const connection = useVcenterStore((s) => s.connection);
  const [touched, setTouched] = useState(false);

  if (connection) return <Connected />;

  const busy = login.status === 'probing' || login.status === 'logging-in';
  const wrongServer = serverProblem(draft.server);
  // The server's own problem is shown on its field; the list under the button has the rest.
  const problems = loginProblems(draft, saved);
  const otherProblems = problems.filter((p) => p !== wrongServer);
  const failure = login.status === 'error' ? describeLoginFailure(login.error) : null;
  const savedPassword = hasSavedPassword(draft, saved);

  return (
    <div className="h2k-stack h2k-vc-login">
      <Title headingLevel="h2">Connect to vCenter or ESXi</Title>
      <Form
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          void startLogin();
        }}
      >
        <FormGroup label="Server" fieldId="vc-server" isRequired>
          <TextInput
            id="vc-server"
            value={draft.server}
            onChange={(_e, v) => updateLoginDraft({ server: v })}
            placeholder="vcenter.example.com"
            validated={wrongServer || failure?.field === 'server' ? 'error' : 'default'}
            isDisabled={busy || login.status === 'prompt'}
            data-testid="vc-server"
          />
          {wrongServer ? (
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant="error" data-testid="vc-server-problem">
                  {wrongServer}
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          ) : null}
        </FormGroup>
        <FormGroup label="User" fieldId="vc-user" isRequired>
          <TextInput
            id="vc-user"
            value={draft.user}
            onChange={(_e, v) => updateLoginDraft({ user: v })}
            placeholder="administrator@vsphere.local"
            autoComplete="username"
            validated={failure?.field === 'user' ? 'error' : 'default'}
            isDisabled={busy || login.status === 'prompt'}
            data-testid="vc-user"
          />
        </FormGroup>
        <FormGroup label="Password" fieldId="vc-password" isRequired={!savedPassword}>
          <TextInput
            id="vc-password"
            type="password"
            value={draft.password}
            onChange={(_e, v) => updateLoginDraft({ password: v })}
            autoComplete="current-password"
            placeholder={savedPassword ? 'Remembered: leave empty to use it' : ''}
            validated={failure?.field === 'password' ? 'error' : 'default'}
            isDisabled={busy || login.status === 'prompt'}
            data-testid="vc-password"
          />
          {savedPassword ? (
            <FormHelperText>
              <HelperText>
                <HelperTextItem>
                  A password is remembered for this server and user.{' '}
                  <Button variant="link" isInline onClick={() => void forgetPassword(draft.server.trim(), draft.user.trim())}>
                    Forget it
                  </Button>
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          ) : null}
        </FormGroup>
        {saved?.available ? (
          <Checkbox
            id="vc-remember"
            label="Remember the password (encrypted by the system keyring)"
            isChecked={draft.rememberPassword}
            onChange={(_e, v) => updateLoginDraft({ rememberPassword: v })}
            isDisabled={busy}
            data-testid="vc-remember"
          />
        ) : null}
        {login.status !== 'prompt' ? (
          <Flex alignItems={{ default: 'alignItemsCenter' }}>
            <Button type="submit" variant="primary" isDisabled={busy || problems.length > 0} isLoading={busy} data-testid="vc-login">
              {login.status === 'probing' ? 'Reading the certificate…' : login.status === 'logging-in' ? 'Logging in…' : 'Log in'}
            </Button>
            {busy ? <Spinner size="md" aria-label="Connecting" /> : null}
          </Flex>
        ) : null}
        {otherProblems.length > 0 && (touched || draft.server !== '' || draft.user !== '') ? (
          <HelperText data-testid="vc-login-problems">
            <HelperTextItem variant="indeterminate">
              <List isPlain>
                {otherProblems.map((p) => (
                  <ListItem key={p}>{p}</ListItem>
                ))}
              </List>
            </HelperTextItem>
          </HelperText>
        ) : null}
      </Form>
      {saved && saved.logins.length > 0 && login.status !== 'prompt' ? (
        <div data-testid="vc-saved-logins">
          <Title headingLevel="h3" size="md">
            Remembered logins
          </Title>
          <List isPlain>
            {saved.logins.map((l) => (
              <ListItem key={`${l.server}|${l.user}`}>
                <Button variant="link" isInline onClick={() => updateLoginDraft({ server: l.server, user: l.user, password: '' })}>
                  {l.user} on {l.server}
                </Button>
              </ListItem>
            ))}
          </List>
        </div>
      ) : null}
      {login.status === 'prompt' ? <TrustPrompt key={login.prompt.certificate.sha256} prompt={login.prompt} /> : null}
      {login.status === 'error' && failure ? <ErrorAlert error={login.error} title={failure.title} /> : null}
    </div>
  );
}
