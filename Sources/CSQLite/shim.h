#include <sqlite3.h>

/// Turns off SQLite's memory statistics (on by default): every allocation then takes one global mutex,
/// which an ingest's connections (the writer, the checkpointer) and a report's contend for. attrib reads
/// no statistics. sqlite3_config is variadic, which Swift cannot call; it only works before SQLite is
/// initialised (the first connection), and otherwise returns SQLITE_MISUSE and changes nothing.
static inline int attrib_sqlite_without_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
