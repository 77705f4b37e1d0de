import { describe, expect, it } from 'vitest';
import { parseForm } from '../../../infra/local/payments-sandbox/form.js';

describe('payments sandbox form parsing', () => {
  it('reads stripe-node bracket notation into nested objects and arrays', () => {
    const body = 'amount=1250&metadata[orderId]=o1&automatic_payment_methods[enabled]=true&expand[0]=latest_charge&expand[1]=customer&a[b][c]=d%20e';
    expect(parseForm(body)).toEqual({
      amount: '1250',
      metadata: { orderId: 'o1' },
      automatic_payment_methods: { enabled: 'true' },
      expand: ['latest_charge', 'customer'],
      a: { b: { c: 'd e' } },
    });
  });

  it('refuses malformed keys and a name used both as a value and a container', () => {
    expect(() => parseForm('a]=1')).toThrow(SyntaxError);
    expect(() => parseForm('metadata=x&metadata[k]=v')).toThrow(/conflicts/);
    expect(() => parseForm('metadata[k]=v&metadata=x')).toThrow(/conflicts/);
  });
});
