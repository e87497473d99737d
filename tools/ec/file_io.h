#ifndef HAMSTER_TOOLS_EC_FILE_IO_H_
#define HAMSTER_TOOLS_EC_FILE_IO_H_

// hamster-ec's durable POSIX files are the node's (servers/env), so the CLI
// and the server write shard files the same way.

#include "hamster/env/file_io.h"

namespace hamster::ec_tool {

using env::Basename;
using env::BufferedWriter;
using env::CheckDirectory;
using env::Dirname;
using env::DurableFile;
using env::FileShardSink;
using env::FileShardSource;
using env::FsyncDirectory;
using env::ReadSome;
using env::SameFile;
using env::ShardPath;
using env::WriteFully;

}  // namespace hamster::ec_tool

#endif  // HAMSTER_TOOLS_EC_FILE_IO_H_
