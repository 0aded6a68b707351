// Load module (autocannon's setupRequest, in its worker thread): GET /verify/<code>, the codes in turn, each
// request "from" the next address of 10.<subnet>.0.0/16 through X-Forwarded-For (the app trusts one proxy).
import type autocannon from 'autocannon';
import { loadData, type RotatingAddresses } from './data';

const { codes, subnet } = loadData<RotatingAddresses>();
let n = Math.floor(Math.random() * 65536);

export = function nextVerification(req: autocannon.Request): autocannon.Request {
  n = (n + 1) & 65535;
  req.path = `/verify/${codes[n % codes.length]}`;
  req.headers = { ...req.headers, 'x-forwarded-for': `10.${subnet}.${n >> 8}.${n & 255}` };
  return req;
};
