/* version.h: fedsim's version, as `fedsim --version` prints it and the JSON results carry it
 * (cmake/version.cmake: git describe in a checkout, else the project's version). */
#ifndef FEDSIM_VERSION_H
#define FEDSIM_VERSION_H

extern const char version_string[];

#endif
