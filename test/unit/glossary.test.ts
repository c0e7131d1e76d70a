// The BlueKing descriptors say what the platform says (src/metrics/glossary.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configJson, configSchema51, descriptionMd, DISPLAY_NAME, metricsJson, releaseMd } from '../../scripts/descriptors';
import { NAMES, ruledOut, TERMS } from '../../src/metrics/glossary';

const CJK = /[\u4e00-\u9fff]/;

/** Every Chinese text of the zh descriptors, with where it stands. */
function chineseTexts(): Array<[where: string, text: string]> {
  const out: Array<[string, string]> = [];
  for (const flavour of ['bkmonitor', '5.1'] as const) {
    for (const t of metricsJson(flavour, 'zh')) {
      out.push([`${flavour} metrics.json table ${t.table_name}`, t.table_desc]);
      for (const f of t.fields) out.push([`${flavour} metrics.json ${f.name}`, f.description]);
    }
  }
  for (const p of configJson('zh')) for (const k of ['alias', 'description'] as const) out.push([`config.json ${String(p.name)} ${k}`, String(p[k])]);
  for (const p of configSchema51('zh')) out.push([`config_schema.json ${p.name}`, p.description]);
  const md = descriptionMd('zh');
  md.split('\n').forEach((l, i) => out.push([`description.md line ${i + 1}`, l]));
  out.push(['release.md', releaseMd('zh')], ['display name', DISPLAY_NAME.zh]);
  return out.filter(([, t]) => CJK.test(t));
}

describe('BlueKing wording (the glossary)', () => {
  it('no descriptor uses a word the glossary rules out, so no one thing is named two ways', () => {
    const bad = chineseTexts().flatMap(([where, t]) => ruledOut(t).map((w) => `${where}: ${w} in "${t}"`));
    assert.deepEqual(bad, []);
  });

  it('every short name the platform shows (metrics, dimensions, tables, form labels) is in the glossary', () => {
    const shown = new Set<string>();
    for (const t of metricsJson('bkmonitor', 'zh')) {
      shown.add(t.table_desc);
      for (const f of t.fields) shown.add(f.description);
    }
    for (const p of configJson('zh')) shown.add(String(p.alias));
    const missing = [...shown].filter((n) => NAMES[n] === undefined);
    assert.deepEqual(missing, [], 'add each to NAMES in src/metrics/glossary.ts with the usage it follows');
  });

  it('catches what 1.0 said (the check can fail)', () => {
    for (const old of ['（Linux 专有）', '文件系统的文件节点（inode）总数', '采集器', '恒为 1，标签为', '导出器进程', '每次抓取时采集', '数据时效',
      '用户态 CPU', '打开的文件数', '挂起的查询数', '可用的物理内存总量', '交换区总量', '交换空间总量', '磁盘容量', '设备', '在本次提供的采集中']) {
      assert.notDeepEqual(ruledOut(old), [], old);
    }
    assert.deepEqual(ruledOut('设备名'), []);
    assert.deepEqual(ruledOut('用户态 CPU 时间'), []);
  });

  it('names, for each term, the platform usage it follows', () => {
    for (const t of TERMS) assert.ok(t.follows.length > 10 && t.means.length > 3 && t.not.length > 0, t.zh);
  });
});
