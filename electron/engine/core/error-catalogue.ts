/**
 * Every feature's error codes, loaded with core/errors: a code's kind (bad input, failure) comes
 * from its feature's catalogue, and a feature whose catalogue nobody imported would make its
 * codes silently default to 'failure' (exit code 1 instead of 2, "this is a bug" wording). Each
 * feature still owns its list; this file only makes sure all of them are registered before the
 * first error value is made. test/unit/core/error-catalogue.test.ts checks that every code the
 * engine raises is declared.
 */
import '../appliance/error-codes';
import '../batch/error-codes';
import '../boot/error-codes';
import '../formats/error-codes';
import '../inspect/error-codes';
import '../libvirt/error-codes';
import '../pipeline/error-codes';
import '../privilege/error-codes';
import '../repair/error-codes';
import '../report/error-codes';
import '../sources/error-codes';
import '../vcenter/error-codes';
import '../vsphere/error-codes';
