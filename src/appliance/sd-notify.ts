// The systemd notify protocol (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1, STATUS=… sent as
// datagrams to the unix socket named by $NOTIFY_SOCKET.
//
// Why libsystemd through koffi: Node has no unix datagram sockets in core. The npm bindings
// (`sd-notify`, `unix-dgram`) are node-gyp addons without prebuilt binaries, so the Pi would need a
// compiler and headers at install; spawning `systemd-notify` per ping forks the process every few
// seconds and needs NotifyAccess=all, because the sender is then a child and not the main process.
// koffi ships prebuilt N-API binaries for linux arm64/armhf/x64, and calling libsystemd's own
// sd_notify() keeps the protocol (abstract sockets, credentials of the main PID, so the unit can
// keep NotifyAccess=main) in systemd's hands rather than ours.
import type { Logger } from '../log.ts';

export interface Notifier {
  /** True when there is a notify socket and the library that speaks to it loaded. */
  readonly enabled: boolean;
  /** Sends one message (newline-separated assignments); false when it was not delivered. */
  send(state: string): boolean;
}

export const disabledNotifier: Notifier = { enabled: false, send: () => false };

type SdNotify = (unsetEnvironment: number, state: string) => number;

/**
 * The notifier for this process: disabled (and koffi never loaded) when systemd did not ask for
 * notifications, i.e. everywhere but under a Type=notify unit or a test that plays systemd.
 * libsystemd reads $NOTIFY_SOCKET from the process environment itself, so that is the one used.
 */
export async function systemdNotifier(log: Logger): Promise<Notifier> {
  const socket = process.env.NOTIFY_SOCKET;
  if (!socket) return disabledNotifier;
  let sdNotify: SdNotify;
  try {
    const { default: koffi } = await import('koffi');
    const lib = koffi.load('libsystemd.so.0');
    sdNotify = lib.func('int sd_notify(int unset_environment, const char *state)') as SdNotify;
  } catch (err) {
    // The unit waits for READY=1 and will time out: say why, once, at error level.
    log.error('systemd notification unavailable (koffi or libsystemd.so.0 did not load)', {
      notify_socket: socket,
      error: err,
    });
    return disabledNotifier;
  }
  let lastError: number | undefined;
  return {
    enabled: true,
    send(state) {
      const rc = sdNotify(0, state);
      if (rc > 0) {
        lastError = undefined;
        return true;
      }
      // 0: no socket in the environment; < 0: -errno. Logged once per distinct failure, not per ping.
      if (rc !== lastError) {
        lastError = rc;
        log.error('systemd notification failed', { notify_socket: socket, errno: -rc });
      }
      return false;
    },
  };
}
