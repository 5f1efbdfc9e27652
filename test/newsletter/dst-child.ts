// Prints the DST simulation results as JSON; run with different TZ values by schedule.test.ts.
import { dstCases } from './dst-sim.js';
import { localDate } from '../../src/util/time.js';

const at = new Date('2026-03-09T23:30:00Z');
const zones = ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'];
process.stdout.write(JSON.stringify({ tz: process.env.TZ, cases: dstCases(), editionDates: Object.fromEntries(zones.map((z) => [z, localDate(at, z)])) }));
