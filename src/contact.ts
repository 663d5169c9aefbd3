// Contact data a customer gives when enrolling (DESIGN §2 flow 5), never stored or logged. The one
// rule for a mobile number, shared by the till's `loyalty/activate` and the provider's argument
// check so the two cannot disagree: what a cashier types (`+43 (660) 123-4567`) is accepted and
// sent as digits with an optional leading `+`.
import { z } from 'zod';

export const mobileNumber = z
  .string()
  .max(32, 'a phone number of at most 32 characters')
  .transform((raw) => raw.trim().replace(/[\s()./-]/g, ''))
  .pipe(
    z
      .string()
      .regex(
        /^\+?[0-9]{6,15}$/,
        'a phone number: 6–15 digits, optionally a leading + (spaces, dashes, dots, slashes and brackets are ignored)',
      ),
  );
