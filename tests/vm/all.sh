# SPDX-License-Identifier: GPL-2.0
# Everything the test VM runs.
. /tests/lib.sh
sh /tests/scull-suite.sh scullp
