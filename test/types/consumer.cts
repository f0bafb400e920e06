// The CommonJS flavour of test/types/consumer.mts.
import losskit = require('losskit');

const value: number = losskit.getLoss('log_cosh').value([0.5], [0.25]);
const backendName: 'native-avx512' | 'native-avx2' | 'native-scalar' | 'js' = losskit.backend();
export = { value, backendName };
