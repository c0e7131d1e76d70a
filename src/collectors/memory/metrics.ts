// The memory collector's metric families (the only place they are defined).
import { def, onWindows, WINDOWS_ONLY } from '../../metrics/def';

export const MEMORY_TOTAL = def('memory', 'gauge', 'sys_memory_total_bytes', 'bytes', ['Memory total',
  'Total usable physical memory in bytes.',
  '物理内存总大小', '物理内存总大小（字节），即蓝鲸内置指标“物理内存总大小”（mem.total）。']);
export const MEMORY_AVAILABLE = onWindows(def('memory', 'gauge', 'sys_memory_available_bytes', 'bytes', ['Memory avail',
  'Memory available to start new applications without swapping, in bytes (MemAvailable; before Linux 3.14, the kernel\'s own formula over /proc/zoneinfo).',
  '应用程序内存可用量', '无需换出即可供新程序使用的内存（字节），即蓝鲸内置的“应用程序内存可用量”（mem.usable）。Linux 取 MemAvailable，3.14 以前的内核无此字段，按内核相同的算法由 /proc/zoneinfo 估算；Windows 为可用物理内存（任务管理器中的“可用”）。']),
'Physical memory available to processes without paging out, in bytes (GlobalMemoryStatusEx: Available in Task Manager, standby and free pages).');
export const MEMORY_USED = def('memory', 'gauge', 'sys_memory_used_bytes', 'bytes', ['Memory used',
  'Memory in use in bytes: total minus available.',
  '应用程序内存使用量', '物理内存总大小减应用程序内存可用量（字节），即蓝鲸内置的“应用程序内存使用量”（mem.used），而非“物理内存已用量”（mem.psc_used，物理内存总大小减物理内存空闲量 mem.free，含缓存，通常更大）。']);
export const MEMORY_USED_RATIO = def('memory', 'gauge', 'sys_memory_used_ratio', 'ratio', ['Memory used pct',
  'Share of physical memory in use, from 0 to 1: used divided by total.',
  '应用程序内存使用率', '应用程序内存使用量除以物理内存总大小，0 到 1；蓝鲸内置的“应用程序内存使用占比”（mem.pct_used）为同一比例的百分数。']);
export const SWAP_TOTAL = onWindows(def('memory', 'gauge', 'sys_swap_total_bytes', 'bytes', ['Swap total',
  'Total swap space in bytes.',
  'SWAP 总量', 'SWAP 总量（字节），即 Linux 上蓝鲸内置的“SWAP 总量”（swap.total）；Windows 为页面文件的总大小，蓝鲸内置无对应指标。']),
'Total size of the page files in bytes (WMI: Win32_OperatingSystem); left out while WMI has not answered.');
export const SWAP_FREE = onWindows(def('memory', 'gauge', 'sys_swap_free_bytes', 'bytes', ['Swap free',
  'Unused swap space in bytes.',
  'SWAP 空闲量', 'SWAP 空闲量（字节），即 Linux 上蓝鲸内置的“SWAP 空闲量”（swap.free）；Windows 为页面文件中未使用的部分，蓝鲸内置无对应指标。']),
'Unused space in the page files in bytes (WMI: Win32_OperatingSystem); left out while WMI has not answered.');
export const COMMIT_LIMIT = def('memory', 'gauge', 'sys_memory_commit_limit_bytes', 'bytes', ['Commit limit',
  'Windows commit limit in bytes: physical memory plus page files, the most that can be committed.',
  '内存提交限制', '可提交内存的上限（字节），即物理内存与页面文件之和（任务管理器中“已提交”的第二个数）。'], [], WINDOWS_ONLY);
export const COMMITTED = def('memory', 'gauge', 'sys_memory_committed_bytes', 'bytes', ['Committed',
  'Windows commit charge in bytes: memory committed by all processes and the system (Committed in Task Manager).',
  '已提交内存', '已提交内存（字节）：所有进程和系统已提交的内存，即任务管理器中的“已提交”。'], [], WINDOWS_ONLY);

/** In exposition order. */
export const MEMORY_FAMILIES = [MEMORY_TOTAL, MEMORY_AVAILABLE, MEMORY_USED, MEMORY_USED_RATIO, SWAP_TOTAL, SWAP_FREE, COMMIT_LIMIT, COMMITTED];
