// mailparser 3.9 ships no types (and @types/mailparser is not installed): the little the tests use.
declare module 'mailparser' {
  export interface AddressObject {
    value: { address?: string; name: string }[];
    text: string;
  }
  export interface ParsedMail {
    subject?: string;
    messageId?: string;
    text?: string;
    html: string | false;
    from?: AddressObject;
    to?: AddressObject | AddressObject[];
    headers: Map<string, unknown>;
    headerLines: { key: string; line: string }[];
    attachments: unknown[];
  }
  export function simpleParser(source: string | Buffer): Promise<ParsedMail>;
}
