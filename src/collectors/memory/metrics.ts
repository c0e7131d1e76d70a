// The memory collector's metric families (the only place they are defined).
import { def, onWindows, WINDOWS_ONLY } from '../../metrics/def';

export const MEMORY_TOTAL = def('memory', 'gauge', 'sys_memory_total_bytes', 'bytes', ['Memory total',
  'Total usable physical memory in bytes.',
  '内存总量', '可用的物理内存总量（字节）。']);
export const MEMORY_AVAILABLE = onWindows(def('memory', 'gauge', 'sys_memory_available_bytes', 'bytes', ['Memory avail',
  'Memory available to start new applications without swapping, in bytes (MemAvailable; before Linux 3.14, the kernel\'s own formula over /proc/zoneinfo).',
  '可用内存', '无需换出即可供新程序使用的内存（字节）。Linux 取 MemAvailable；3.14 以前的内核按内核自身的公式从 /proc/zoneinfo 计算；Windows 为可用物理内存（任务管理器中的“可用”）。']),
'Physical memory available to processes without paging out, in bytes (GlobalMemoryStatusEx: Available in Task Manager, standby and free pages).');
export const MEMORY_USED = def('memory', 'gauge', 'sys_memory_used_bytes', 'bytes', ['Memory used',
  'Memory in use in bytes: total minus available.',
  '已用内存', '已用内存（字节）：总量减可用。']);
export const MEMORY_USED_RATIO = def('memory', 'gauge', 'sys_memory_used_ratio', 'ratio', ['Memory used pct',
  'Share of physical memory in use, from 0 to 1: used divided by total.',
  '内存使用率', '物理内存使用率，0 到 1：已用除以总量。']);
export const SWAP_TOTAL = onWindows(def('memory', 'gauge', 'sys_swap_total_bytes', 'bytes', ['Swap total',
  'Total swap space in bytes.',
  '交换区总量', '交换空间总量（字节）。']),
'Total size of the page files in bytes (WMI: Win32_OperatingSystem); left out while WMI has not answered.');
export const SWAP_FREE = onWindows(def('memory', 'gauge', 'sys_swap_free_bytes', 'bytes', ['Swap free',
  'Unused swap space in bytes.',
  '交换区空闲', '未使用的交换空间（字节）。']),
'Unused space in the page files in bytes (WMI: Win32_OperatingSystem); left out while WMI has not answered.');
export const COMMIT_LIMIT = def('memory', 'gauge', 'sys_memory_commit_limit_bytes', 'bytes', ['Commit limit',
  'Windows commit limit in bytes: physical memory plus page files, the most that can be committed.',
  '提交上限', 'Windows 提交上限（字节）：物理内存加页面文件，可提交内存的上限。'], [], WINDOWS_ONLY);
export const COMMITTED = def('memory', 'gauge', 'sys_memory_committed_bytes', 'bytes', ['Committed',
  'Windows commit charge in bytes: memory committed by all processes and the system (Committed in Task Manager).',
  '已提交', 'Windows 已提交内存（字节）：所有进程和系统已提交的内存，即任务管理器中的“已提交”。'], [], WINDOWS_ONLY);

/** In exposition order. */
export const MEMORY_FAMILIES = [MEMORY_TOTAL, MEMORY_AVAILABLE, MEMORY_USED, MEMORY_USED_RATIO, SWAP_TOTAL, SWAP_FREE, COMMIT_LIMIT, COMMITTED];
