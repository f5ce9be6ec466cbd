/**
 * The local mail catcher's HTTP API (Mailpit, https://mailpit.axllent.org/docs/api-v1/): what the
 * demo and the end-to-end suite read to see the e-mails SNS sent. Local only.
 */

export interface InboxMail {
  readonly id: string;
  readonly from: { readonly name: string; readonly address: string };
  readonly to: readonly string[];
  readonly subject: string;
  /** When the catcher received it (millisecond precision). */
  readonly receivedAt: Date;
  /** The text/plain body. */
  readonly text: string;
  /** The text/html body, empty for a plain-text mail. */
  readonly html: string;
}

interface Address {
  Name: string;
  Address: string;
}

export class MailInbox {
  private readonly read = new Map<string, InboxMail>();

  /** `baseUrl`: where the inbox is served, e.g. http://localhost:8025. */
  constructor(readonly baseUrl: string) {}

  /**
   * The mails to `address` (newest first, at most `limit`) that `wanted` accepts. Each mail is
   * fetched once and remembered.
   */
  async mailsTo(address: string, wanted: (mail: InboxMail) => boolean = () => true, limit = 200): Promise<InboxMail[]> {
    const query = new URLSearchParams({ query: `to:"${address}"`, limit: String(limit) });
    const found = await this.getJson(`/api/v1/search?${query.toString()}`);
    const summaries = field(found, 'messages', Array.isArray, 'a list') as unknown[];
    const mails: InboxMail[] = [];
    for (const summary of summaries) {
      const id = field(summary, 'ID', isString, 'a string') as string;
      const mail = this.read.get(id) ?? (await this.fetchMail(id, timestamp(summary, 'Created')));
      this.read.set(id, mail);
      if (mail.to.includes(address.toLowerCase()) && wanted(mail)) mails.push(mail);
    }
    return mails;
  }

  private async fetchMail(id: string, received: Date): Promise<InboxMail> {
    const message = await this.getJson(`/api/v1/message/${encodeURIComponent(id)}`);
    const from = field(message, 'From', isAddress, 'an address') as Address;
    return {
      id,
      from: { name: from.Name, address: from.Address },
      to: (field(message, 'To', (value) => Array.isArray(value) && value.every(isAddress), 'a list of addresses') as Address[]).map((to) =>
        to.Address.toLowerCase(),
      ),
      subject: field(message, 'Subject', isString, 'a string') as string,
      receivedAt: received,
      // Lines as a person reads them: SMTP carries them with CR LF.
      text: (field(message, 'Text', isString, 'a string') as string).replace(/\r\n/g, '\n'),
      html: field(message, 'HTML', isString, 'a string') as string,
    };
  }

  private async getJson(path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new Error(`Mail inbox ${this.baseUrl} unreachable (${String(error)}): is the mailpit service up?`, { cause: error });
    }
    const body = await response.text();
    if (!response.ok) throw new Error(`Mail inbox: GET ${path} answered ${response.status}: ${body.slice(0, 200)}`);
    try {
      return JSON.parse(body) as unknown;
    } catch (error) {
      throw new Error(`Mail inbox: GET ${path} answered something other than JSON: ${body.slice(0, 200)}`, { cause: error });
    }
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isAddress = (value: unknown): value is Address =>
  typeof value === 'object' && value !== null && isString((value as Address).Address) && isString((value as Address).Name);

function timestamp(object: unknown, name: string): Date {
  const value = new Date(field(object, name, isString, 'a timestamp') as string);
  if (Number.isNaN(value.getTime())) throw new Error(`Mail inbox: ${name} is not a timestamp in ${JSON.stringify(object).slice(0, 200)}`);
  return value;
}

function field(object: unknown, name: string, valid: (value: unknown) => boolean, what: string): unknown {
  const value = typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[name] : undefined;
  if (!valid(value)) throw new Error(`Mail inbox: expected ${name} to be ${what} in ${JSON.stringify(object).slice(0, 200)}`);
  return value;
}
