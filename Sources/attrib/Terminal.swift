// Terminal concerns: where output goes, whether it is a terminal, colour, SIGPIPE, exit codes.

import ArgumentParser
import AttribCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The documented exit statuses (README, man page).
enum Exit {
    static let usage: Int32 = 64
    static let data: Int32 = 65
    static let noInput: Int32 = 66
    static let interrupted: Int32 = 130
    static let failure: Int32 = 1
}

enum Terminal {
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Colour only on a terminal, and never when NO_COLOR is set (no-color.org) or TERM is dumb.
    static var useColor: Bool {
        guard stdoutIsTerminal else { return false }
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
        if let t = getenv("TERM"), String(cString: t) == "dumb" { return false }
        return true
    }

    /// Plain ASCII instead of block characters (`report --bars`): when NO_COLOR is set, TERM is dumb, or the
    /// locale (LC_ALL, else LC_CTYPE, else LANG) is set and is not UTF-8.
    static var plainCharacters: Bool {
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return true }
        if let t = getenv("TERM"), String(cString: t) == "dumb" { return true }
        for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
            guard let v = getenv(name), v.pointee != 0 else { continue }
            let locale = String(cString: v).lowercased()
            return !(locale.contains("utf-8") || locale.contains("utf8"))
        }
        return false
    }

    /// The terminal's width in columns when stdout is one (TIOCGWINSZ, else $COLUMNS); nil when output
    /// goes to a file or a pipe, where tables are never fitted.
    static var stdoutWidth: Int? {
        guard stdoutIsTerminal else { return nil }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
        if let v = getenv("COLUMNS"), let n = Int(String(cString: v)), n > 0 { return n }
        return nil
    }

    /// A closed pipe (`attrib report | head`) is not an error: stop quietly.
    static func ignoreSIGPIPE() { signal(SIGPIPE, SIG_IGN) }

    static func write(_ text: String, to fd: Int32 = 1) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { exit(0) }
                    return
                }
                offset += n
            }
        }
    }

    static func error(_ message: String) { write("attrib: \(message)\n", to: 2) }
    static func warn(_ message: String) { write("attrib: warning: \(message)\n", to: 2) }
}

/// Runs a command's body the one way every command runs: a closed pipe is not an error, and every error
/// becomes one stderr line and a documented exit code.
func runCommand(_ body: () throws -> Void) throws {
    Terminal.ignoreSIGPIPE()
    do {
        try body()
    } catch {
        throw fail(error)
    }
}

/// For `validate()`: a bad flag value fails with one stderr line and exit 64 before `run()`, and so before
/// any store is opened. (A `ValidationError` would add ArgumentParser's usage lines; SPEC §4 asks for one.)
func usageChecked(_ check: () throws -> Void) throws {
    do {
        try check()
    } catch {
        throw fail(error)
    }
}

/// Maps errors from every layer to one stderr line and a documented exit code.
func fail(_ error: Error) -> ExitCode {
    switch error {
    case let e as ReportError:
        Terminal.error(e.description)
        if case .usage = e { return ExitCode(Exit.usage) }
        return ExitCode(Exit.data)
    case let e as InputError:
        Terminal.error(e.description)
        if case .corrupt = e { return ExitCode(Exit.data) }
        return ExitCode(Exit.noInput)
    case let e as MappingError:
        Terminal.error(e.description)
        return ExitCode(Exit.usage)
    case let e as StoreError:
        Terminal.error(e.description)
        return ExitCode(Exit.failure)
    case let e as ExitCode:
        return e
    default:
        Terminal.error("\(error)")
        return ExitCode(Exit.failure)
    }
}
