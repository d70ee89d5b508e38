import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Banner,
  Flex,
  Label,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
} from '@patternfly/react-core';
import { BarsIcon } from '@patternfly/react-icons';
import { appEnvironment, useAppStore } from './app-store';
import type { ConnectionStatus } from './connection';
import { FEATURES } from './features';

function secondsUntil(at: number | null, now: number): number {
  return at === null ? 0 : Math.max(Math.ceil((at - now) / 1000), 0);
}

function ConnectionBanner({ status }: { status: ConnectionStatus }): ReactNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (status.state !== 'reconnecting') return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [status.state]);

  if (status.state === 'unavailable') {
    return (
      <Banner color="red" data-testid="connection-banner" data-state="unavailable">
        This page has no access token. Open the address that <code>hyper2kvm serve</code> (or <code>npm start</code>) printed: it carries the token for this run.
      </Banner>
    );
  }
  if (status.state === 'reconnecting') {
    const wait = secondsUntil(status.nextAttemptAt, now);
    return (
      <Banner color="yellow" data-testid="connection-banner" data-state="reconnecting">
        The connection to the engine is lost. {wait > 0 ? `Trying again in ${wait} s` : 'Trying again now'} (attempt {status.failures + 1}). A running conversion goes on meanwhile; its progress catches up once the link is back.
      </Banner>
    );
  }
  return null;
}

function StatusLabel({ status }: { status: ConnectionStatus }): ReactNode {
  const [color, text] =
    status.state === 'open' ? (['green', 'Engine connected'] as const) : status.state === 'unavailable' ? (['red', 'No access token'] as const) : status.state === 'connecting' ? (['blue', 'Connecting…'] as const) : (['orange', 'Reconnecting…'] as const);
  return (
    <Label color={color} data-testid="connection-state" data-state={status.state}>
      {text}
    </Label>
  );
}

/** The shell: masthead, one navigation entry per feature, the open feature's page. */
export function App(): ReactNode {
  const connection = useAppStore((s) => s.connection);
  const info = useAppStore((s) => s.info);
  const featureId = useAppStore((s) => s.feature);
  const setFeature = useAppStore((s) => s.setFeature);
  const feature = FEATURES.find((f) => f.id === featureId) ?? FEATURES[0]!;
  const mode = appEnvironment().mode;

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton isHamburgerButton aria-label="Navigation">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component="span" className="h2k-brand">
            hyper2kvm
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsMd' }} className="h2k-masthead-facts">
          <StatusLabel status={connection} />
          {info ? (
            <span className="h2k-masthead-muted">
              v{info.version} · {mode === 'electron' ? 'desktop' : 'browser via loopback bridge'}
              {info.kvmAvailable ? '' : ' · no KVM (guests run emulated)'}
            </span>
          ) : null}
        </Flex>
      </MastheadContent>
    </Masthead>
  );

  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Features" onSelect={(_e, item) => setFeature(String(item.itemId))}>
          <NavList>
            {FEATURES.map((f) => (
              <NavItem key={f.id} itemId={f.id} isActive={f.id === feature.id} data-testid={`nav-${f.id}`}>
                {f.label}
              </NavItem>
            ))}
          </NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );

  return (
    <Page masthead={masthead} sidebar={sidebar} isManagedSidebar banner={<ConnectionBanner status={connection} />}>
      {feature.render()}
    </Page>
  );
}
