import type { Channel } from './protocol';

/** The part of the WebSocket API we use: the browser's, and the `ws` package's in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'close', listener: () => void): void;
}

const OPEN = 1;

/** A Channel over an open WebSocket: one JSON message per frame. */
export function websocketChannel(socket: WebSocketLike): Channel {
  return {
    send(message) {
      if (socket.readyState !== OPEN) throw new Error('The connection to the engine is closed.');
      socket.send(JSON.stringify(message));
    },
    onMessage(handler) {
      const listener = (event: { data: unknown }): void => {
        if (typeof event.data !== 'string') return;
        try {
          handler(JSON.parse(event.data));
        } catch {
          // a frame that is not JSON is not ours
        }
      };
      socket.addEventListener('message', listener);
      return () => socket.removeEventListener('message', listener);
    },
    onClose(handler) {
      socket.addEventListener('close', handler);
      return () => socket.removeEventListener('close', handler);
    },
  };
}
