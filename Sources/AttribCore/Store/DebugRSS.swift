import Foundation
func debugRSS(_ label: String) {
    guard getenv("ATTRIB_DEBUG_MEM") != nil else { return }
    let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let l = s.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }.joined(separator: " ")
    var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts)
    FileHandle.standardError.write("\(ts.tv_sec % 1000).\(ts.tv_nsec / 1_000_000) [\(label)] \(l)\n".data(using: .utf8)!)
}
