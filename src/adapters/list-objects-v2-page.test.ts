import { ListPageFormatError, parseListObjectsV2Page, rootElementName } from './list-objects-v2-page';

// Bodies shaped as in the examples of the ListObjectsV2 API reference
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html#API_ListObjectsV2_Examples),
// written for these tests, plus the shapes LocalStack and gofakes3 answer with.
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const contents = (key: string, size: number, extra = '') =>
  `  <Contents>\n    <Key>${key}</Key>\n    <LastModified>2009-10-12T17:50:30.000Z</LastModified>\n    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>\n    <Size>${size}</Size>${extra}\n    <StorageClass>STANDARD</StorageClass>\n  </Contents>\n`;
const result = (inner: string) => `${DECLARATION}<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n${inner}</ListBucketResult>\n`;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseListObjectsV2Page', () => {
  it('reads the keys and sizes of a last page (the reference\'s "listing keys" example)', () => {
    const body = result(
      '  <Name>bucket</Name>\n  <Prefix/>\n  <KeyCount>2</KeyCount>\n  <MaxKeys>1000</MaxKeys>\n  <IsTruncated>false</IsTruncated>\n' +
        contents('my-image.jpg', 434234) +
        contents('my-third-image.jpg', 64994),
    );

    expect(parseListObjectsV2Page(bytes(body))).toEqual({
      objects: [
        { key: 'my-image.jpg', sizeBytes: 434234 },
        { key: 'my-third-image.jpg', sizeBytes: 64994 },
      ],
      isTruncated: false,
    });
  });

  it('returns the continuation token of a truncated page', () => {
    const body = result(
      '  <Name>bucket</Name>\n  <Prefix></Prefix>\n  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\n' +
        '  <KeyCount>1</KeyCount>\n  <MaxKeys>1</MaxKeys>\n  <IsTruncated>true</IsTruncated>\n' +
        contents('happyface.jpg', 11),
    );

    expect(parseListObjectsV2Page(bytes(body))).toEqual({
      objects: [{ key: 'happyface.jpg', sizeBytes: 11 }],
      isTruncated: true,
      nextContinuationToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    });
  });

  it('reads a page that answers a StartAfter and a ContinuationToken, and an empty page', () => {
    const afterStart = result(
      '<Name>quotes</Name><Prefix>E</Prefix><StartAfter>ExampleGuide.pdf</StartAfter><KeyCount>1</KeyCount><MaxKeys>3</MaxKeys><IsTruncated>false</IsTruncated>' +
        contents('ExampleObject.txt', 857),
    );
    const continued = result('<Name>bucket</Name><Prefix></Prefix><ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>');

    expect(parseListObjectsV2Page(bytes(afterStart)).objects).toEqual([{ key: 'ExampleObject.txt', sizeBytes: 857 }]);
    expect(parseListObjectsV2Page(bytes(continued))).toEqual({ objects: [], isTruncated: false });
  });

  it('skips every other element of an object, nested ones included (Owner, RestoreStatus, checksums)', () => {
    const extra =
      '\n    <ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm>\n    <ChecksumType>FULL_OBJECT</ChecksumType>' +
      '\n    <Owner>\n      <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>\n      <DisplayName>mtd@amazon.com</DisplayName>\n    </Owner>' +
      '\n    <RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress><RestoreExpiryDate>2012-12-21T00:00:00.000Z</RestoreExpiryDate></RestoreStatus>\n    <Empty/>';
    const body = result(`<Name>b</Name><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents('a.jpg', 5, extra)}`);

    expect(parseListObjectsV2Page(bytes(body)).objects).toEqual([{ key: 'a.jpg', sizeBytes: 5 }]);
  });

  it('decodes keys with entities, numeric references and any Unicode, as S3, LocalStack and gofakes3 write them', () => {
    const longKey = `user-uploads/${'é'.repeat(300)}/${'x'.repeat(400)}.jpg`;
    const keys = [
      ['Zz Shared Album/1 2.png', 'Zz Shared Album/1 2.png'],
      ['a+b.txt', 'a+b.txt'],
      ['100%.csv', '100%.csv'],
      ['Tom &amp; Jerry &lt;3&gt; &quot;quoted&quot; &apos;single&apos;.jpg', `Tom & Jerry <3> "quoted" 'single'.jpg`],
      ['gofakes3 &#34;quoted&#34; tab&#x9;newline&#xA;.jpg', 'gofakes3 "quoted" tab\tnewline\n.jpg'],
      ['control &#x1; character', 'control \u0001 character'],
      ['한글/사진.jpg', '한글/사진.jpg'],
      ['emoji 📷 &#x1F4F7;.png', 'emoji 📷 📷.png'],
      ['raw > is text', 'raw > is text'],
      ['line\r\nend', 'line\nend'],
      [longKey, longKey],
    ];
    const body = result(`<KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${keys.map(([raw], i) => contents(raw!, i)).join('')}`);

    expect(parseListObjectsV2Page(bytes(body)).objects).toEqual(keys.map(([, key], i) => ({ key, sizeBytes: i })));
    expect(Buffer.byteLength(longKey)).toBeGreaterThan(1000);
  });

  it('decodes URL-encoded keys when the page says EncodingType url (a space is "+", a "+" is %2B)', () => {
    const body = result(
      '<Name>b</Name><Prefix></Prefix><KeyCount>5</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>' +
        contents('a+b.txt', 1) +
        contents('a%2Bb.txt', 2) +
        contents('100%25.csv', 3) +
        contents('%ED%95%9C%EA%B8%80/x.txt', 4) +
        contents('control%01%26%3C.txt', 5),
    );

    expect(parseListObjectsV2Page(bytes(body)).objects.map((object) => object.key)).toEqual(['a b.txt', 'a+b.txt', '100%.csv', '한글/x.txt', 'control\u0001&<.txt']);
  });

  it('accepts the compact, single-line form and a byte-order mark', () => {
    const body = `\uFEFF<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>0</Size></Contents></ListBucketResult>`;

    expect(parseListObjectsV2Page(bytes(body)).objects).toEqual([{ key: 'k', sizeBytes: 0 }]);
  });

  describe('fails loudly, never counts wrong', () => {
    const page = (inner: string) => result(`<Name>b</Name>${inner}`);
    const cases: [name: string, body: string | Uint8Array, reason: string][] = [
      ['an S3 error document', `${DECLARATION}<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`, 'the root element is <Error>'],
      ['an empty body', '', 'expected an element at offset 0'],
      ['a body cut short', page(`<KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>${contents('a', 1)}<Contents><Key>b</Key><Si`).slice(0, -20), 'a malformed tag'],
      ['a body cut between objects', page(`<KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>${contents('a', 1)}`).replace('</ListBucketResult>\n', ''), 'the body ends before </ListBucketResult>'],
      ['fewer objects than KeyCount', page(`<KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>${contents('a', 1)}`), '<KeyCount> says 2 keys, the body holds 1'],
      ['more objects than KeyCount', page(`<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>${contents('a', 1)}`), '<KeyCount> says 0 keys, the body holds 1'],
      ['no KeyCount', page(`<IsTruncated>false</IsTruncated>${contents('a', 1)}`), 'no <KeyCount>'],
      ['no IsTruncated', page(`<KeyCount>1</KeyCount>${contents('a', 1)}`), 'no <IsTruncated>'],
      ['IsTruncated that is not a boolean', page(`<KeyCount>1</KeyCount><IsTruncated>yes</IsTruncated>${contents('a', 1)}`), '<IsTruncated> is neither true nor false'],
      ['a truncated page without a token', page(`<KeyCount>1</KeyCount><IsTruncated>true</IsTruncated>${contents('a', 1)}`), 'a truncated page without a <NextContinuationToken>'],
      ['a truncated page with an empty token', page(`<NextContinuationToken></NextContinuationToken><KeyCount>1</KeyCount><IsTruncated>true</IsTruncated>${contents('a', 1)}`), 'a truncated page without a <NextContinuationToken>'],
      ['a Size that is not a number', page(`<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('a', Number.NaN)}`), '<Size> is not a whole number'],
      ['a negative Size', page(`<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('a', -1)}`), '<Size> is not a whole number'],
      ['a Contents without Size', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>a</Key></Contents>'), 'without a Key or a Size'],
      ['a Contents without Key', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>'), 'without a Key or a Size'],
      ['an empty Key', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key></Key><Size>1</Size></Contents>'), 'without a Key or a Size'],
      ['two Keys in one Contents', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Key>b</Key><Size>1</Size></Contents>'), 'two <Key>s'],
      ['markup inside a Key', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key><b>a</b></Key><Size>1</Size></Contents>'), '<Key> must hold text only'],
      ['a CDATA section', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key><![CDATA[a]]></Key><Size>1</Size></Contents>'), '<Key> must hold text only'],
      ['a comment', page('<!-- hi --><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>'), 'comments, CDATA sections'],
      ['an unknown entity', page(`<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('a &nbsp; b', 1)}`), 'an invalid character reference'],
      ['a bare ampersand', page(`<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('a & b', 1)}`), 'an invalid character reference'],
      ['a reference to a surrogate', page(`<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('a &#xD800;', 1)}`), 'an invalid character reference'],
      ['mismatched closing tags', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Owner><ID>x</Owner></ID><Size>1</Size></Contents>'), 'expected </ID>'],
      ['CommonPrefixes (keys rolled up, not counted)', page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>'), 'CommonPrefixes in a listing sent without a delimiter'],
      ['an unknown EncodingType', page(`<EncodingType>base64</EncodingType><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('a', 1)}`), 'an unknown <EncodingType>'],
      ['a URL-encoded key that does not decode', page(`<EncodingType>url</EncodingType><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>${contents('100%.csv', 1)}`), 'not valid URL encoding'],
      ['content after the root', `${page('<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>')}<Extra/>`, 'content after </ListBucketResult>'],
      ['two IsTruncated', page('<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated><IsTruncated>true</IsTruncated>'), 'two <IsTruncated> elements'],
      ['an HTML page from a proxy', '<html><body><h1>502 Bad Gateway</h1></body></html>', 'the root element is <html>'],
      ['bytes that are not UTF-8', new Uint8Array([...bytes(page('<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>')), 0xff, 0xfe, ...bytes('</Key><Size>1</Size></Contents></ListBucketResult>')]), 'not valid UTF-8'],
    ];

    it.each(cases)('%s', (_name, body, reason) => {
      const parse = () => parseListObjectsV2Page(typeof body === 'string' ? bytes(body) : body);

      expect(parse).toThrow(ListPageFormatError);
      expect(parse).toThrow(reason);
    });
  });
});

describe('rootElementName', () => {
  it('names the root of a listing and of an error document, and nothing for a body that is not XML', () => {
    expect(rootElementName(result('<KeyCount>0</KeyCount>'))).toBe('ListBucketResult');
    expect(rootElementName(`${DECLARATION}<Error><Code>SlowDown</Code></Error>`)).toBe('Error');
    expect(rootElementName('not xml')).toBeUndefined();
  });
});
