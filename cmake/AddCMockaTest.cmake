# add_cmocka_test(NAME SOURCES...): one cmocka test binary per module, run by ctest.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

function(add_cmocka_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE hotplan_internals PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "HOTPLAN_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
