import { registerErrorCodes } from '../../shared/contract/errors';

/** Error codes of the loopback bridge (the browser's way to the engine). */
registerErrorCodes({
  /** A file dropped in the browser is larger than the bridge accepts (`serve --max-upload-gib`). */
  UPLOAD_TOO_LARGE: 'bad-input',
  /** A request the bridge cannot read at all (a malformed URL), or one for another host name. */
  BRIDGE_BAD_REQUEST: 'bad-input',
});
