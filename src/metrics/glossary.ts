// The reviewer's glossary of what the BlueKing descriptors say in Chinese: each term with the
// platform's own usage it follows, and the words that must not stand for it. Operators read the
// descriptors next to bk-monitor's pages and its built-in host metrics (bkmonitorbeat's
// basereport), so the descriptors use the platform's words for the platform's things.
// test/unit/glossary.test.ts fails when a descriptor uses a word this glossary rules out, names
// one thing two ways, or shows a short name (metric, dimension, table, form label) that is not
// listed in NAMES below.
//
// Sources, as cited below:
//   HOST  BKDocs ZH/Monitor/3.8/UserGuide/ProductFeatures/scene-host/host_metrics.md
//         ("主机-操作系统指标": bkmonitorbeat's built-in host metrics)
//   UI    bk-monitor (TencentBlueKing/bk-monitor, 9675194285): the plugin editor and collection
//         forms, metrics.json's monitor_type "dimension" (维度), plugin_type "Exporter", and
//         采集器 for bkmonitorbeat itself

import type { Lang } from './def';

export interface Term {
  /** The word used, in Chinese. */
  readonly zh: string;
  /** What it means here, in English, for a reviewer who reads no Chinese. */
  readonly means: string;
  /** The platform's usage it follows. */
  readonly follows: string;
  /** Words that must not be used for it (a plain string, or a pattern). */
  readonly not: readonly (string | RegExp)[];
}

export const TERMS: readonly Term[] = [
  { zh: 'Exporter', means: 'this program', follows: 'UI: the plugin type is "Exporter", and operators say Exporter', not: ['导出器'] },
  { zh: '采集', means: 'a scrape, and the collection it serves', follows: 'UI: 采集配置, 采集任务; bk-monitor pulls (拉取) the /metrics page', not: ['抓取'] },
  { zh: '采集模块', means: 'a collector of this exporter (the collector dimension)', follows: 'UI: 采集器 is bkmonitorbeat, the platform\'s agent', not: ['采集器'] },
  { zh: '维度', means: 'a label', follows: 'UI: metrics.json monitor_type "dimension", shown as 维度', not: ['标签'] },
  { zh: '仅 Linux / 仅 Windows', means: 'emitted on that OS alone', follows: 'plain usage; 专有 reads as "proprietary"', not: ['专有'] },
  { zh: 'inode', means: 'a filesystem inode', follows: 'HOST: inode metrics; Linux tools say inode', not: ['文件节点'] },
  { zh: '数据时延', means: 'the age of the served collection', follows: '数据时效 is a validity period, not an age', not: ['数据时效'] },
  { zh: 'SWAP', means: 'swap space (the page files on Windows)', follows: 'HOST: SWAP 总量 (swap.total), SWAP 空闲量 (swap.free)', not: ['交换区', '交换空间', '交换分区'] },
  { zh: '页面文件', means: 'a Windows page file', follows: 'Windows\' own term (系统属性 > 虚拟内存)', not: ['分页文件'] },
  { zh: '磁盘总空间大小', means: 'a filesystem\'s size', follows: 'HOST: 磁盘总空间大小 (disk.total)', not: ['磁盘容量', '文件系统容量', /磁盘总空间(?!大小)/] },
  { zh: '设备名', means: 'the device label', follows: 'HOST/UI: the built-in disk dimension device_name (设备名)', not: [/设备(?![名])/] },
  { zh: '物理内存总大小', means: 'total physical memory', follows: 'HOST: 物理内存总大小 (mem.total)', not: ['可用的物理内存总量', '内存总量'] },
  { zh: '应用程序内存可用量', means: 'memory available to start programs', follows: 'HOST: 应用程序内存可用量 (mem.usable)', not: [/(?<!应用程序)可用内存/] },
  { zh: '应用程序内存使用量', means: 'total minus available', follows: 'HOST: 应用程序内存使用量 (mem.used)', not: [/(?<!应用程序)已用内存/] },
  { zh: '文件描述符', means: 'a file descriptor', follows: 'Linux usage; 文件数 reads as "number of files"', not: ['打开的文件数', '文件数上限'] },
  { zh: 'statfs 调用', means: 'a statfs call (hung on a dead mount)', follows: 'the system call\'s name; 查询数 says nothing of what hangs', not: ['挂起的查询数'] },
  { zh: '用户态 CPU 时间 / 内核态 CPU 时间', means: 'CPU seconds in user / kernel mode', follows: 'HOST: user 用户态时间, system 内核态时间', not: [/[用户内核]态 CPU(?! 时间)/] },
  { zh: '是否…', means: 'a 0/1 flag', follows: 'a flag\'s short name asks the question, as the platform\'s own 0/1 metrics do', not: ['采集器成功'] },
  { zh: '（本次）返回的采集结果', means: 'the collection a response was rendered from', follows: 'plain Chinese, not a literal "in the served collection"', not: ['在本次提供的采集中', '报告 sys_disk_device_error'] },
];

/**
 * Every short name a descriptor shows (metric descriptions, dimensions, tables, form labels), in
 * Chinese, with where it comes from. A new one is added here by a reviewer, or the test fails.
 */
export const NAMES: Readonly<Record<string, string>> = {
  // memory (HOST's names where the figure is the same)
  物理内存总大小: 'HOST mem.total',
  应用程序内存可用量: 'HOST mem.usable',
  应用程序内存使用量: 'HOST mem.used',
  应用程序内存使用率: 'HOST mem.pct_used is 应用程序内存使用占比, in percent; ours is 0 to 1 (percentunit), a 使用率 as 磁盘使用率',
  'SWAP 总量': 'HOST swap.total',
  'SWAP 空闲量': 'HOST swap.free',
  内存提交限制: 'Windows: the commit limit (Task Manager\'s 已提交 x / y, the y)',
  已提交内存: 'Windows: Task Manager\'s 已提交',
  内存: 'table: HOST 内存',
  // disk
  磁盘总空间大小: 'HOST disk.total 磁盘总空间大小',
  '磁盘空闲空间（含保留）': 'statfs bfree, root\'s reserve included; HOST disk.free is bavail on Linux, our 磁盘可用空间',
  磁盘可用空间: 'HOST disk.free 磁盘空闲大小 (bavail)',
  磁盘已用空间大小: 'HOST disk.used 磁盘已用空间大小',
  磁盘使用率: 'HOST disk.in_use 磁盘使用率',
  'inode 总数': 'HOST inode',
  'inode 空闲数': 'HOST inode',
  是否只读挂载: 'a 0/1 flag',
  挂载点是否查询失败: 'a 0/1 flag',
  '未返回的 statfs 调用数': 'the system call; 挂起 also reads as suspended',
  卷信息: 'Windows: 卷 (volume)',
  设备名: 'HOST/UI device_name',
  文件系统类型: 'HOST/UI device_type (文件系统类型)',
  驱动器类型: 'Windows: 驱动器类型 (DriveType)',
  挂载点: 'HOST/UI mount_point',
  磁盘空间: 'table',
  // the exporter's own
  采集模块是否采集成功: 'a 0/1 flag; 采集模块, not 采集器 (bkmonitorbeat)',
  采集模块耗时: '采集模块',
  采集模块失败次数: '采集模块',
  采集模块: 'dimension collector',
  数据时延: 'the age of the data',
  'WMI 是否可用': 'a 0/1 flag',
  'WMI 查询': 'dimension wmi_query',
  版本信息: 'build info',
  版本: 'dimension', 修订号: 'dimension', 'Node.js 版本': 'dimension', 运行时: 'dimension', 平台: 'dimension', 架构: 'dimension',
  采集状态: 'table',
  // the exporter process
  '用户态 CPU 时间': 'HOST user 用户态时间',
  '内核态 CPU 时间': 'HOST system 内核态时间',
  'CPU 总时间': 'user + system',
  启动时间: 'process start time',
  常驻内存: 'RSS',
  虚拟内存: 'VSZ',
  数据段大小: 'VmData',
  打开的文件描述符数: '文件描述符',
  文件描述符上限: '文件描述符',
  'Exporter 进程': 'table: UI Exporter',
  // the collection form (bk-monitor config.json alias)
  监听主机: 'UI 监听IP', 监听端口: 'UI 监听端口', 监听地址: 'IP:端口',
  不采集的挂载点: 'form', 不采集的文件系统类型: 'form', 关闭内存采集: 'form', 关闭磁盘采集: 'form',
};

/** The words a text uses that the glossary rules out, each with the word to use instead. */
export function ruledOut(text: string): string[] {
  const out: string[] = [];
  for (const t of TERMS) {
    for (const n of t.not) {
      const m = typeof n === 'string' ? (text.includes(n) ? n : undefined) : n.exec(text)?.[0];
      if (m !== undefined) out.push(`"${m}" (use ${t.zh})`);
    }
  }
  return out;
}

export type { Lang };
