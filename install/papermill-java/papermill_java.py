"""Java parameters for papermill.

papermill injects `-p NAME VALUE` through a translator chosen by the kernel's language and has none for Java.
This one writes each parameter as a Java declaration (`String archive = "run.tar.gz";`), which JShell accepts
after the notebook's own `parameters` cell declared the same name.
"""
import math
import re

from papermill.engines import NBClientEngine
from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1
LONG_MIN, LONG_MAX = -(2 ** 63), 2 ** 63 - 1


class JavaTranslator(Translator):
    @classmethod
    def translate_str(cls, val):
        out = []
        for ch in val:
            if ch in '"\\':
                out.append('\\' + ch)
            elif ch == '\n':
                out.append('\\n')
            elif ch == '\r':
                out.append('\\r')
            elif ch == '\t':
                out.append('\\t')
            elif ord(ch) < 0x20 or ord(ch) == 0x7f:
                out.append('\\u%04x' % ord(ch))
            else:
                out.append(ch)
        return '"' + ''.join(out) + '"'

    @classmethod
    def translate_none(cls, val):
        return 'null'

    @classmethod
    def translate_int(cls, val):
        if INT_MIN <= val <= INT_MAX:
            return str(val)
        if LONG_MIN <= val <= LONG_MAX:
            return f'{val}L'
        return f'new java.math.BigInteger("{val}")'

    @classmethod
    def translate_float(cls, val):
        if math.isnan(val):
            return 'Double.NaN'
        if math.isinf(val):
            return 'Double.POSITIVE_INFINITY' if val > 0 else 'Double.NEGATIVE_INFINITY'
        return repr(val)

    @classmethod
    def translate_list(cls, val):
        return 'java.util.Arrays.asList(' + ', '.join(cls.translate(v) for v in val) + ')'

    @classmethod
    def translate_dict(cls, val):
        if any(v is None for v in val.values()):
            raise PapermillException('a Java map parameter cannot hold null: leave the key out instead')
        entries = ', '.join(f'java.util.Map.entry({cls.translate(str(k))}, {cls.translate(v)})' for k, v in val.items())
        return f'java.util.Map.ofEntries({entries})'

    @classmethod
    def comment(cls, cmt_str):
        return f'// {cmt_str}'.strip()

    @classmethod
    def java_type(cls, val):
        if val is None:
            return 'Object'
        if isinstance(val, str):
            return 'String'
        if isinstance(val, bool):
            return 'boolean'
        if isinstance(val, int):
            if INT_MIN <= val <= INT_MAX:
                return 'int'
            return 'long' if LONG_MIN <= val <= LONG_MAX else 'java.math.BigInteger'
        if isinstance(val, float):
            return 'double'
        if isinstance(val, list):
            return 'java.util.List<Object>'
        if isinstance(val, dict):
            return 'java.util.Map<String, Object>'
        return 'String'

    @classmethod
    def codify(cls, parameters, comment='Parameters'):
        lines = [cls.comment(comment)]
        for name, val in parameters.items():
            lines.append(f'{cls.java_type(val)} {name} = {cls.translate(val)};')
        return '\n'.join(lines) + '\n'

    # `TYPE name = value;  // help`, one per line, as the parameters cell declares them
    DECLARATION = re.compile(r'^\s*(?:final\s+)?([\w.$<>\[\], ?]+?)\s+([A-Za-z_$][\w$]*)\s*=\s*(.+?);\s*(?://\s*(.*))?$')

    @classmethod
    def inspect(cls, parameters_cell):
        params = []
        for line in parameters_cell['source'].splitlines():
            m = cls.DECLARATION.match(line)
            if m:
                params.append(Parameter(name=m.group(2), inferred_type_name=m.group(1).strip(),
                                        default=m.group(3).strip(), help=(m.group(4) or '').strip()))
        return params


class Engine(NBClientEngine):
    """papermill's own nbclient engine; it is here only so that papermill imports this module."""


papermill_translators.register('java', JavaTranslator)
