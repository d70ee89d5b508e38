import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseManifest } from '../../../electron/engine/formats/manifest';
import { parseOvf } from '../../../electron/engine/formats/ovf';
import { parseProgressLine, parseQemuImgCheck, parseQemuImgInfo } from '../../../electron/engine/formats/qemu-img';
import { classifyVmdkHead, parseVmdkDescriptor } from '../../../electron/engine/formats/vmdk-descriptor';
import { decodeVmxBytes, parseVmx, vmxToMetadata } from '../../../electron/engine/formats/vmx';
import { sampleHead, samplePath, sampleText } from '../formats/helpers';
import { fileSizes, fuzzParameters, fuzzTimeout, mutatedBytes, mutatedText, reportSeed, resultOrErrorValue } from './harness';

/**
 * Issue 11: the parsers of a VM's own files and of qemu-img's output, fed mutated real samples
 * (see harness.ts for the property and how to run the long fuzz).
 */

reportSeed();

const samples = (folder: string, filter: (name: string) => boolean = () => true): string[] =>
  readdirSync(samplePath(folder))
    .filter(filter)
    .sort()
    .map((name) => sampleText(`${folder}/${name}`));

const descriptors = samples('vmdk', (n) => n.endsWith('.vmdk'));
const heads = readdirSync(samplePath('vmdk'))
  .filter((n) => n.endsWith('.head.hex'))
  .sort()
  .map((n) => sampleHead(`vmdk/${n}`));
/** Offsets of the hosted sparse (KDMV) header's fields, where mutated numbers are aimed. */
const KDMV_FIELDS = [4, 8, 12, 20, 28, 36, 44, 48, 56, 64, 77, 512, 1024, 1536, 2048];

describe('fuzz: VMDK', () => {
  it('descriptor text', () => {
    fc.assert(
      fc.property(mutatedText(descriptors), (text) => {
        resultOrErrorValue('parseVmdkDescriptor', () => parseVmdkDescriptor(text, 'fuzz.vmdk'));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('sparse and COWD headers (with the file size they claim to fit)', () => {
    const seeds = heads.map((h) => h.head);
    fc.assert(
      fc.property(mutatedBytes(seeds, KDMV_FIELDS), fc.oneof(fc.constantFrom(...heads.map((h) => h.fileSize)), fileSizes), (head, fileSize) => {
        resultOrErrorValue('classifyVmdkHead', () => classifyVmdkHead(head, fileSize, 'fuzz.vmdk'));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());
});

describe('fuzz: VMX', () => {
  const vmxSamples = samples('vmx');

  it('text → settings → VM metadata', () => {
    fc.assert(
      fc.property(mutatedText(vmxSamples), (text) => {
        resultOrErrorValue('parseVmx + vmxToMetadata', () => vmxToMetadata(parseVmx(text, 'fuzz.vmx')));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('bytes in the encoding the file declares', () => {
    fc.assert(
      fc.property(mutatedBytes(vmxSamples.map((t) => Buffer.from(t, 'utf8'))), (bytes) => {
        resultOrErrorValue('decodeVmxBytes', () => decodeVmxBytes(bytes));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());
});

describe('fuzz: OVF and manifests', () => {
  it('OVF descriptors', () => {
    fc.assert(
      fc.property(mutatedText(samples('ovf')), (xml) => {
        resultOrErrorValue('parseOvf', () => parseOvf(xml, 'fuzz.ovf'));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('manifests', () => {
    fc.assert(
      fc.property(mutatedText(samples('manifest')), (text) => {
        resultOrErrorValue('parseManifest', () => parseManifest(text, 'fuzz.mf'));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());
});

describe('fuzz: qemu-img output', () => {
  const json = samples('qemu-img', (n) => n.endsWith('.json'));
  const helperSamples = readdirSync(new URL('../helper/samples/', import.meta.url))
    .sort()
    .map((n) => sampleText(`../../helper/samples/${n}`));

  it('info JSON', () => {
    fc.assert(
      fc.property(mutatedText([...json.filter((t) => t.includes('virtual-size')), ...helperSamples]), (text) => {
        resultOrErrorValue('parseQemuImgInfo', () => parseQemuImgInfo(text));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('check JSON', () => {
    fc.assert(
      fc.property(mutatedText(json.filter((t) => t.includes('check-errors'))), (text) => {
        resultOrErrorValue('parseQemuImgCheck', () => parseQemuImgCheck(text));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('progress lines', () => {
    const lines = sampleText('qemu-img/progress-convert.txt').split(/[\r\n]+/);
    fc.assert(
      fc.property(mutatedText(lines), (line) => {
        const { ok, value } = resultOrErrorValue('parseProgressLine', () => parseProgressLine(line)) as { ok: boolean; value: number | null };
        if (ok && value !== null && !(value >= 0 && value <= 1)) throw new Error(`progress ${value} outside 0..1 for ${JSON.stringify(line)}`);
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());
});
