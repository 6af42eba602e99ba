. /tests/lib.sh
sh /tests/mmap.sh
sh /tests/locking.sh
