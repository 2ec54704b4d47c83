/**
 * The Jupyter wire protocol (messaging spec 5.3): frames <-> messages, signed with the
 * connection file's signature_scheme (hmac-sha256 or hmac-sha512).
 * tslab's ZmqMessage does the same but is not exported, signs binary buffers as if they were
 * JSON and cannot send them; comms need buffers, so this is the one place frames are built.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { UserError } from "proxyrm/dist/errors";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** One Jupyter message. `content` is left loose: each handler narrows the types it reads. */
export interface Message<C = Record<string, unknown>> {
  /** ZeroMQ routing identities (ROUTER sockets); replies copy the request's. */
  identities: Buffer[];
  header: Header;
  /** The request this message answers or was caused by; `{}` for none. */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  /** Binary buffers after the four JSON frames (comm payloads). Not signed, per the spec. */
  buffers: Buffer[];
}

/** The signature schemes a connection file may name, and their node:crypto digests. */
const DIGESTS: Record<string, string> = { "hmac-sha256": "sha256", "hmac-sha512": "sha512" };

/** The digest of `scheme` (absent or empty means jupyter_client's default, hmac-sha256); throws for any other. */
export function digestOf(scheme: string | undefined): string {
  const digest = DIGESTS[scheme || "hmac-sha256"];
  if (!digest) throw new UserError(`unsupported signature_scheme ${JSON.stringify(scheme)} in the connection file (supported: ${Object.keys(DIGESTS).join(", ")})`, { code: "bad-file" });
  return digest;
}

export class Wire {
  private readonly digest: string;

  /** `key` empty means unsigned messages (jupyter_client's `Session(key=b"")`). */
  constructor(
    private readonly key: string,
    scheme: string | undefined = "hmac-sha256",
    private readonly session: string = randomUUID(),
  ) {
    this.digest = digestOf(scheme);
  }

  /** Frames from a socket -> a message; throws on a missing delimiter or a bad signature. */
  parse(frames: Buffer[]): Message {
    const at = frames.findIndex((f) => f.equals(DELIMITER));
    if (at < 0 || frames.length < at + 6) throw new Error("malformed Jupyter message: no <IDS|MSG> delimiter or too few frames");
    const signature = frames[at + 1].toString();
    const parts = frames.slice(at + 2, at + 6);
    if (this.key) {
      const expected = Buffer.from(this.sign(parts));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new Error("invalid message signature");
    }
    const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString("utf8")));
    return {
      identities: frames.slice(0, at),
      header,
      parent_header: parent ?? {},
      metadata: metadata ?? {},
      content: content ?? {},
      buffers: frames.slice(at + 6),
    };
  }

  /** A new message of `msgType` caused by `parent` (routing identities copied for replies). */
  create<C>(msgType: string, content: C, parent?: Message<unknown>, extra: Partial<Pick<Message<C>, "metadata" | "buffers">> = {}): Message<C> {
    return {
      identities: parent?.identities ?? [],
      header: {
        msg_id: randomUUID(),
        msg_type: msgType,
        session: this.session,
        username: parent?.header.username ?? "kernel",
        date: new Date().toISOString(),
        version: PROTOCOL_VERSION,
      },
      parent_header: parent?.header ?? {},
      metadata: extra.metadata ?? {},
      content,
      buffers: extra.buffers ?? [],
    };
  }

  /** Message -> frames: identities, delimiter, signature, four JSON frames, buffers. */
  serialize(msg: Message<unknown>): Buffer[] {
    const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p) ?? "{}"));
    return [...msg.identities, DELIMITER, Buffer.from(this.key ? this.sign(parts) : ""), ...parts, ...msg.buffers];
  }

  private sign(parts: Buffer[]): string {
    const hmac = createHmac(this.digest, this.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }
}
