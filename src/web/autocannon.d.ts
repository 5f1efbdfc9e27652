// autocannon 8 ships no types; the HTTP bench only reads a few fields of its result.
declare module 'autocannon';
