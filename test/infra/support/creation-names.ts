/** The creation id as CloudFormation computes it from the stack id (creation-names.ts). */
export const CREATION_ID = {
  'Fn::Select': [
    0,
    { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
  ],
};

/** A name with the creation id in it, as the template writes it: `<before><id><after>`. */
export function withCreationId(before: string, after = ''): unknown {
  return { 'Fn::Join': ['', after === '' ? [before, CREATION_ID] : [before, CREATION_ID, after]] };
}
