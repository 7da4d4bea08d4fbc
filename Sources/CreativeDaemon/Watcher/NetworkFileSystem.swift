import CInotify
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether a folder is on a network or user-space filesystem, where inotify sees only this
/// machine's writes (other hosts' changes never raise an event), so the engine polls instead.
enum NetworkFileSystem {
    /// statfs `f_type` magic numbers (linux/magic.h and the filesystems' own headers).
    static let names: [Int: String] = [
        0x6969: "NFS", 0x517B: "SMB", 0xFF53_4D42: "CIFS", 0xFE53_4D42: "SMB2", 0x6573_5546: "FUSE",
        0x0102_1997: "9p", 0x00C3_6400: "Ceph", 0x0BD0_0BD0: "Lustre", 0x4750_4653: "GPFS", 0x5346_414F: "AFS",
        0x0116_1970: "GFS2", 0x7461_636F: "OCFS2",
    ]

    /// The network filesystem `path` is on, nil for a local one (or when it cannot be told).
    static func name(of path: String) -> String? {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return nil }
        return names[Int(UInt32(truncatingIfNeeded: info.f_type))]
    }
}
