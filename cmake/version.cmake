# cmake/version.cmake: writes OUT, a C file defining version_string: `git describe` of SOURCE_DIR
# when it is a git checkout (vX.Y.Z-N-gHASH as X.Y.Z-N-gHASH; with no tag, FALLBACK-gHASH;
# -dirty when tracked files are modified), else FALLBACK (a tarball, a Debian source package).
# Run at every build (CMakeLists.txt's fedsim_version target); OUT changes only with the version,
# so nothing is recompiled when it does not.
set(version "${FALLBACK}")
find_program(GIT git)
if(GIT AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" describe --tags --match "v[0-9]*"
                          --always --dirty --abbrev=10
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND NOT described STREQUAL "")
    if(described MATCHES "^v([0-9].*)$")
      set(version "${CMAKE_MATCH_1}")
    else()
      set(version "${FALLBACK}-g${described}")
    endif()
  endif()
endif()
file(WRITE "${OUT}.tmp"
  "/* Written by cmake/version.cmake at build time; not for editing. */\n"
  "#include \"version.h\"\n"
  "const char version_string[] = \"${version}\";\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
