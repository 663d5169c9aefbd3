// EAN/UPC arithmetic and AIM symbology (docs/scanners-and-readers.md §3.1, §8 items 23, 27, 30).
import test from 'ava';
import {
  ean13ToUpcA,
  eanCheckDigitValid,
  expandUpcE,
  gs1CheckDigitValid,
  inferSymbology,
  isGs1Aim,
  luhnValid,
  readEanProduct,
  symbologyFromAim,
  upcAToEan13,
} from '../../src/classify/index.ts';

test('EAN check digits of the GTIN lengths', (t) => {
  for (const valid of ['96385074', '036000291452', '4006381333931', '4381241586833', '10614141000415']) {
    t.true(eanCheckDigitValid(valid), valid);
  }
  for (const invalid of [
    '96385075',
    '036000291453',
    '4006381333932',
    '',
    '40063813339a1',
    '123',
    '400638133393100',
  ]) {
    t.false(eanCheckDigitValid(invalid), invalid);
  }
});

test('GS1 check digits also cover SSCC (18 digits)', (t) => {
  t.true(gs1CheckDigitValid('340123450000000000'));
  t.false(gs1CheckDigitValid('340123450000000001'));
});

test('Luhn and EAN weigh different digits: the same code may pass one, both or neither', (t) => {
  t.deepEqual([eanCheckDigitValid('4381241586833'), luhnValid('4381241586833')], [true, true]);
  t.deepEqual([eanCheckDigitValid('4006381333931'), luhnValid('4006381333931')], [true, false]);
  t.deepEqual([eanCheckDigitValid('4006381333932'), luhnValid('4006381333932')], [false, true]);
  t.false(luhnValid('x'));
});

test('UPC-A and EAN-13 convert into each other through the leading 0', (t) => {
  t.is(upcAToEan13('036000291452'), '0036000291452');
  t.is(ean13ToUpcA('0036000291452'), '036000291452');
  t.is(ean13ToUpcA('4006381333931'), undefined);
  t.is(upcAToEan13('03600029145'), undefined);
});

test('UPC-E expands by its last data digit, and its check digit is verified', (t) => {
  t.is(expandUpcE('04252614'), '042100005264');
  t.is(expandUpcE('01234565'), '012345000065');
  t.is(expandUpcE('01234133'), '012300000413');
  t.is(expandUpcE('01234145'), '012340000015');
  t.is(expandUpcE('04252615'), undefined);
  t.is(expandUpcE('24252614'), undefined);
});

test('readEanProduct needs the whole content to be the code', (t) => {
  t.deepEqual(readEanProduct('96385074', ']E4'), { symbology: 'ean-8', gtin: '00000096385074' });
  t.is(readEanProduct('4006381333931 ', undefined), undefined);
  t.is(readEanProduct('4006381333931', ']C0'), undefined);
  t.is(readEanProduct('4006381333931]E2123', ']E0'), undefined);
  t.is(readEanProduct('4006381333931]E212]E212', ']E0'), undefined);
  t.deepEqual(readEanProduct('03600029145212345', ']E3'), {
    symbology: 'upc-a',
    gtin: '00036000291452',
    addOn: '12345',
  });
});

test('AIM ids name their symbology, with families for unlisted modifiers', (t) => {
  const expected: Record<string, string> = {
    ']E0': 'ean-13',
    ']E4': 'ean-8',
    ']E1': 'ean-addon-2',
    ']E2': 'ean-addon-5',
    ']E3': 'ean-13-addon',
    ']C0': 'code-128',
    ']C1': 'gs1-128',
    ']d1': 'datamatrix',
    ']d2': 'gs1-datamatrix',
    ']Q1': 'qr',
    ']Q3': 'gs1-qr',
    ']A0': 'code-39',
    ']A4': 'code-39',
    ']I0': 'itf',
    ']X0': 'other',
    ']L2': 'pdf417',
    ']z0': 'aztec',
    ']e0': 'gs1-databar',
  };
  for (const [aim, symbology] of Object.entries(expected)) t.is(symbologyFromAim(aim), symbology, aim);
  for (const notAim of [undefined, '', ']', 'E0', ']E', ']#0', 'XE0'])
    t.is(symbologyFromAim(notAim), undefined);
  t.deepEqual([']C1', ']d2', ']Q3', ']e0', ']C0', ']d1', ']Q1'].map(isGs1Aim), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
});

test('without an AIM the symbology is inferred from length and check digit, else unknown', (t) => {
  t.is(inferSymbology('4006381333931'), 'ean-13');
  t.is(inferSymbology('036000291452'), 'upc-a');
  t.is(inferSymbology('96385074'), 'ean-8');
  t.is(inferSymbology('4006381333930'), 'unknown');
  t.is(inferSymbology('https://example.com'), 'unknown');
});
