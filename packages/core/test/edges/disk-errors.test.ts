/**
 * How a failed write is named (issue #13 §3): ENOSPC/EDQUOT become DISK_FULL, EIO/EROFS
 * DISK_IO_ERROR, with the path; LMDB's numeric errno and its "Input/output error" are
 * recognized; anything else passes through unchanged. The tmpfs tests
 * (test/crash/full-disk.test.ts) show the same on a real full disk.
 */
import { describe, expect, it } from 'vitest'
import { atomicWrite } from '../../src/checkpoint/atomic-file.js'
import { diskError } from '../../src/util/disk-errors.js'
import { StorageError } from '../../src/util/errors.js'
import { tempDir } from '../helpers.js'

const errno = (code: string | number, message: string, path?: string) =>
  Object.assign(new Error(message), { code, path })

describe('disk errors are named', () => {
  it('ENOSPC and EDQUOT: DISK_FULL with the path and the way out', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const e = diskError(
        errno(code, `${code}: no space left on device, write`, '/ckpt/offsets/7'),
        undefined,
        'write',
      )
      expect(e).toBeInstanceOf(StorageError)
      expect(e).toMatchObject({ code: 'DISK_FULL' })
      expect((e as Error).message).toMatch(
        /^DISK_FULL: could not write at \/ckpt\/offsets\/7: .*\(ENOSPC|EDQUOT\)/,
      )
      expect((e as Error).message).toContain('Free space')
    }
  })

  it('EIO and EROFS on a disk with room: DISK_IO_ERROR naming the place given', () => {
    const e = diskError(errno('EIO', 'EIO: i/o error, write'), '/tmp', 'commit state')
    expect(e).toMatchObject({ code: 'DISK_IO_ERROR' })
    expect((e as Error).message).toContain('could not commit state at /tmp')
    expect(diskError(errno('EROFS', 'read-only file system'), '/tmp', 'write')).toMatchObject({
      code: 'DISK_IO_ERROR',
    })
  })

  it("LMDB's numeric errno (28, 5) and its message are recognized, also as a cause", () => {
    expect(diskError(errno(28, 'MDB error'), '/tmp/x', 'commit state')).toMatchObject({ code: 'DISK_FULL' })
    const lmdb = Object.assign(new Error('Commit failed (see commitError for details)'), {
      cause: errno(5, 'Input/output error'),
    })
    expect(diskError(lmdb, '/tmp/x', 'commit state')).toMatchObject({ code: 'DISK_IO_ERROR' })
  })

  it('other errors pass through unchanged', () => {
    const other = errno('EACCES', 'permission denied')
    expect(diskError(other, '/x', 'write')).toBe(other)
    const plain = new Error('boom')
    expect(diskError(plain, '/x', 'write')).toBe(plain)
  })

  it('atomicWrite keeps EEXIST for exclusive writes (the logs rely on it)', async () => {
    const file = `${tempDir()}/entry`
    await atomicWrite(file, 'a', true)
    await expect(atomicWrite(file, 'b', true)).rejects.toMatchObject({ code: 'EEXIST' })
  })
})
