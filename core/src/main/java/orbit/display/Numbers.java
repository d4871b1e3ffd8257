package orbit.display;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/** Numbers as a reader wants them on screen (pandas' way): six significant digits, no float noise. */
public final class Numbers {
    private static final MathContext SIX = new MathContext(6, RoundingMode.HALF_EVEN);

    private Numbers() {}

    /**
     * 0.30000000000000004 → "0.3", 7.460000000000001 → "7.46", 1500.0 → "1500", 1.5e-05 → "1.5e-05"; plain digits
     * from 1e-4 up to 1e15, scientific outside.
     */
    public static String sig6(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a < 1e-4 || a >= 1e15) {
            String s = String.format(Locale.ROOT, "%.5e", v);
            int e = s.indexOf('e');
            String mantissa = s.substring(0, e);
            if (mantissa.contains(".")) mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
            return mantissa + s.substring(e);
        }
        return BigDecimal.valueOf(v).round(SIX).stripTrailingZeros().toPlainString();
    }
}
