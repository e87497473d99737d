# Third-party libraries without CMake configs, as imported targets. This file is
# used by the build and installed next to HamsterConfig.cmake, so an embedder's
# find_package(Hamster) resolves the same targets on their machine.
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

find_dependency(absl)
# libhamster-s3: SigV4 and digests (OpenSSL), XML (pugixml), and the
# Boost.Beast transport (header-only Boost, threads).
find_dependency(OpenSSL)
find_dependency(pugixml)
find_dependency(Threads)
find_dependency(Boost 1.74)
# libhamster-raft's durable log (hamster::raft_rocksdb) and servers/env's metadata store.
find_dependency(RocksDB CONFIG)
# libhamster-raft's transport (hamster::raft_grpc). gRPC's config looks for Protobuf with
# CMake's FindProtobuf module (Debian ships no protobuf config).
find_dependency(Protobuf)
find_dependency(gRPC CONFIG)

if(NOT TARGET hamster_deps::jerasure)
  find_library(HAMSTER_JERASURE_LIBRARY Jerasure REQUIRED)
  find_library(HAMSTER_GF_COMPLETE_LIBRARY gf_complete REQUIRED)
  find_path(HAMSTER_JERASURE_INCLUDE_DIR galois.h PATH_SUFFIXES jerasure REQUIRED)
  find_path(HAMSTER_JERASURE_TOP_INCLUDE_DIR jerasure.h REQUIRED)
  add_library(hamster_deps::gf_complete UNKNOWN IMPORTED)
  set_target_properties(hamster_deps::gf_complete PROPERTIES
    IMPORTED_LOCATION ${HAMSTER_GF_COMPLETE_LIBRARY})
  add_library(hamster_deps::jerasure UNKNOWN IMPORTED)
  set_target_properties(hamster_deps::jerasure PROPERTIES
    IMPORTED_LOCATION ${HAMSTER_JERASURE_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES "${HAMSTER_JERASURE_INCLUDE_DIR};${HAMSTER_JERASURE_TOP_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES hamster_deps::gf_complete)
endif()

# ISA-L is optional: without it the codec runs on jerasure alone.
if(NOT TARGET hamster_deps::isal AND (NOT DEFINED HAMSTER_WITH_ISAL OR HAMSTER_WITH_ISAL))
  find_library(HAMSTER_ISAL_LIBRARY isal)
  find_path(HAMSTER_ISAL_INCLUDE_DIR isa-l/erasure_code.h)
  if(HAMSTER_ISAL_LIBRARY AND HAMSTER_ISAL_INCLUDE_DIR)
    add_library(hamster_deps::isal UNKNOWN IMPORTED)
    set_target_properties(hamster_deps::isal PROPERTIES
      IMPORTED_LOCATION ${HAMSTER_ISAL_LIBRARY}
      INTERFACE_INCLUDE_DIRECTORIES ${HAMSTER_ISAL_INCLUDE_DIR})
  endif()
endif()

# xxHash is used header-only (XXH_INLINE_ALL), so nothing is linked.
if(NOT DEFINED HAMSTER_XXHASH_INCLUDE_DIR)
  find_path(HAMSTER_XXHASH_INCLUDE_DIR xxhash.h)
endif()
