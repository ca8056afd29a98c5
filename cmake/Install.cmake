# cmake/Install.cmake: what `cmake --install` puts where, and the Debian package CPack makes.
# Included by the root CMakeLists.txt after the `hotplan` and `hotplan_runtime` targets exist.
#
#   cmake --install build [--prefix DIR]        (DESTDIR=… works too)
#
#   PREFIX/bin/hotplan
#   PREFIX/share/man/man1/hotplan.1              every command, option and exit status
#   PREFIX/share/man/man5/hotplan-plan.5         the language, inventories, profiles
#   PREFIX/share/hotplan/profiles/*.hplan        found at run time (HOTPLAN_PROFILE_DIR)
#   PREFIX/share/hotplan/helpers/                what the Windows profiles run on the nodes
#   PREFIX/share/bash-completion/completions/hotplan
#   PREFIX/share/vim/vimfiles/{syntax,ftdetect}/hplan.vim
#   PREFIX/share/hotplan/editors/textmate/       a VS Code extension folder
#   PREFIX/share/doc/hotplan/                    README, docs, example plans and CI recipes
#
#   cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build --target package
#
# makes build/hotplan_VERSION_ARCH.deb (CPack's DEB generator: no make, no debhelper).
# docs/install.md says all this for people.

include(GNUInstallDirs)

# The runtime looks for profiles in the installed directory last (runtime/profile.c,
# docs/profiles.md): the same path the profiles are installed to below.
# `cmake --install --prefix DIR` moves the files, not this path: configure with
# -DCMAKE_INSTALL_PREFIX=DIR for a binary that finds its profiles there.
set(HOTPLAN_INSTALL_PROFILE_DIR "${CMAKE_INSTALL_DATADIR}/hotplan/profiles")
if(TARGET hotplan_runtime)
  target_compile_definitions(hotplan_runtime PRIVATE
    HOTPLAN_PROFILE_DIR="${CMAKE_INSTALL_FULL_DATADIR}/hotplan/profiles")
endif()

# Libraries (`use NAME`, docs/language.md) are found the same way (grammar/parse.c).
if(TARGET hotplan_grammar)
  target_compile_definitions(hotplan_grammar PRIVATE
    HOTPLAN_LIB_DIR="${CMAKE_INSTALL_FULL_DATADIR}/hotplan/lib")
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/hotplan/lib
  FILES_MATCHING PATTERN "*.hplan")

install(TARGETS hotplan RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${PROJECT_SOURCE_DIR}/man/hotplan.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/hotplan-plan.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# Every profile of plans/profiles/, as the directory holds them when installing.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plans/profiles/
  DESTINATION ${HOTPLAN_INSTALL_PROFILE_DIR}
  FILES_MATCHING PATTERN "*.hplan")

# The Windows helpers (docs/profiles.md): copied from here to the nodes, never run here.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plans/helpers/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/hotplan/helpers)

install(FILES ${PROJECT_SOURCE_DIR}/completions/hotplan.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME hotplan)

# Vim: share/vim/vimfiles is on Debian's default 'runtimepath' (with the /usr prefix).
install(FILES ${PROJECT_SOURCE_DIR}/editors/vim/syntax/hplan.vim
  DESTINATION ${CMAKE_INSTALL_DATADIR}/vim/vimfiles/syntax)
install(FILES ${PROJECT_SOURCE_DIR}/editors/vim/ftdetect/hplan.vim
  DESTINATION ${CMAKE_INSTALL_DATADIR}/vim/vimfiles/ftdetect)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/editors/textmate/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/hotplan/editors/textmate)

# Documentation and examples.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
  FILES_MATCHING PATTERN "*.md" PATTERN "*.svg" PATTERN "*.png")
# The plans (the canonical one first) and the inventories; the profiles are installed above.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plans/
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  FILES_MATCHING PATTERN "*.hplan"
  PATTERN "profiles" EXCLUDE PATTERN "helpers" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/examples/ci/github-actions.yml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/ci)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/examples/ci/pre-commit
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/ci)

# ---- the Debian package: cmake --build build --target package ----

set(HOTPLAN_PACKAGE_CONTACT "hotplan developers <hotplan@invalid>" CACHE STRING
  "Maintainer of the .deb that `--target package` makes (Name <address>)")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "hotplan")
set(CPACK_PACKAGE_VENDOR "hotplan")
set(CPACK_PACKAGE_CONTACT "${HOTPLAN_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "compile, prove safe and run hotfix plans for servers and failover clusters")
set(CPACK_PACKAGE_DESCRIPTION
  "hotplan turns a hotfix runbook into a program that a compiler can prove safe. A plan \
(.hplan) has parameters, prerequisites, a model of the target, the hotfix and its files, \
ordered steps, node roles and rollback points. `hotplan check` reports errors like a C \
compiler and simulates the plan over an abstract model of the target; `hotplan run` runs it \
with a crash-safe journal, resume, rollback to checkpoints and one lock per target, on a \
simulated target, this machine, or nodes reached over SSH.")
# The package installs where the binary looks for its profiles: the configured prefix. A
# Debian package belongs under /usr: configure with -DCMAKE_INSTALL_PREFIX=/usr to make one.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "hotplan: the .deb of `--target package` installs under ${CMAKE_INSTALL_PREFIX} "
    "(configure with -DCMAKE_INSTALL_PREFIX=/usr for a Debian package)")
endif()
set(CPACK_STRIP_FILES TRUE)
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/\\\\.hotplan/" "__pycache__")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# The shared libraries' packages (libjansson4, libnettle8, zlib1g, libc6) from dpkg-shlibdeps
# when dpkg-dev is installed; else the same list by hand.
find_program(HOTPLAN_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(HOTPLAN_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libjansson4, libnettle8, zlib1g")
endif()
# ssh:// nodes use the system OpenSSH client; a Pacemaker profile's XML is read with libxml2,
# which hotplan loads on first use (runtime/crm_xml.c), so dpkg-shlibdeps does not see it;
# `hotplan graph | dot` wants Graphviz.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssh-client, libxml2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz, bash-completion")

include(CPack)
